"""Tests of POST /predict."""
