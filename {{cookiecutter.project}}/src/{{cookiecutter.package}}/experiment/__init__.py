"""The A/B experiment's verdict: two model versions' outcomes from Prometheus, under a sequential test."""
