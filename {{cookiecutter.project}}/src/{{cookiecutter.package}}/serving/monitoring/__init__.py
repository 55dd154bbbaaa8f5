"""What the HTTP server tells its operators: traffic metrics (and the exposition of the model's own,
runtime/monitor.py), JSON logs and traces."""
