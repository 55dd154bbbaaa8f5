"""What the server tells its operators: Prometheus metrics, input drift, JSON logs and traces."""
