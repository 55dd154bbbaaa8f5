"""The held-out rows: stored without pickle, read back as the ONNX tensors the model has."""

from pathlib import Path

import numpy as np
import pytest

from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.model.holdout import Holdout, read_holdout, write_holdout


def test_numbers_with_gaps_and_strings_survive_the_file(tmp_path: Path) -> None:
    numbers = np.array([[1.5, np.nan], [2.0, 3.0]], dtype=np.float32)
    strings = np.array([["red", ""], ["blue", "x"]])
    write_holdout(tmp_path, Holdout(numbers, strings, np.array([0, 1])))
    holdout = read_holdout(tmp_path)
    np.testing.assert_array_equal(holdout.numbers, numbers)
    assert holdout.strings.tolist() == [["red", ""], ["blue", "x"]]
    assert set(holdout.feeds()) == {"input", "categorical"}
    assert holdout.feeds(slice(0, 1))["categorical"].shape == (1, 2)


def test_a_model_has_only_the_tensors_it_has_features_for(tmp_path: Path) -> None:
    numbers = np.ones((3, 2), dtype=np.float32)
    write_holdout(tmp_path, Holdout(numbers, np.empty((3, 0), dtype=str), np.zeros(3)))
    assert list(read_holdout(tmp_path).feeds()) == ["input"]


def test_missing_holdout_says_to_train_first(tmp_path: Path) -> None:
    with pytest.raises(Failure, match="run train first"):
        read_holdout(tmp_path)
