"""The sample-ratio check: a split the traffic follows passes, a broken one is caught."""

import pytest

from {{ cookiecutter.package }}.experiment.srm import (
    check_ratio,
    chi_square_p,
    log_bayes_factor,
)


def test_a_55_45_split_at_large_n_is_a_mismatch() -> None:
    ratio = check_ratio(5500, 4500, 50, alpha=0.001)
    assert ratio.mismatch
    assert ratio.p_chi_square < 1e-20


def test_a_50_50_split_passes() -> None:
    ratio = check_ratio(5000, 5000, 50, alpha=0.001)
    assert not ratio.mismatch
    assert ratio.p_anytime == 1.0
    assert ratio.p_chi_square == pytest.approx(1.0)


def test_the_planned_split_is_the_expectation_not_half() -> None:
    assert not check_ratio(9000, 1000, 10, alpha=0.001).mismatch
    assert check_ratio(5000, 5000, 10, alpha=0.001).mismatch


def test_a_small_imbalance_early_is_no_mismatch() -> None:
    # 60/40 of 100 rows: chi-square p 0.046 would look alarming to someone peeking; the anytime test waits.
    ratio = check_ratio(60, 40, 50, alpha=0.001)
    assert ratio.p_chi_square == pytest.approx(0.0455, abs=1e-3)
    assert not ratio.mismatch


def test_the_anytime_p_carries_its_running_minimum() -> None:
    assert check_ratio(5000, 5000, 50, alpha=0.001, previous=1e-5).mismatch


def test_chi_square_of_no_traffic_is_one() -> None:
    assert chi_square_p(0, 0, 0.5) == 1.0


def test_the_bayes_factor_of_no_data_is_one() -> None:
    assert log_bayes_factor([0, 0], [0.5, 0.5]) == pytest.approx(0.0)
