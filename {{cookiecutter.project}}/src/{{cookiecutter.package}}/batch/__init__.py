"""Batch scoring (`score`): CSV or Parquet in, predictions out, in chunks, through the model runtime the
server uses too: the same column checks (runtime/columns.py) and model (runtime/predictor.py)."""
