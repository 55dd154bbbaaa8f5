"""Tests of batch scoring: the score command over CSV and Parquet, whole or in shards."""
