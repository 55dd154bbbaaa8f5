"""Unit tests of the package's delivery code, one module per source module (test_<module>.py), and the
whole promotion offline (test_flow.py). The tests of the files it delivers are in tests/infra/."""
