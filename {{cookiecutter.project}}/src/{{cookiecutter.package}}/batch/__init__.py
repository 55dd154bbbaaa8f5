"""Batch scoring: CSV or Parquet in, the same checks and model as the server, predictions out in chunks."""
