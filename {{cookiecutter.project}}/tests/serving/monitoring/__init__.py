"""Tests of what the server tells operators: metrics, drift, traces."""
