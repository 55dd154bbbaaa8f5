"""POST /v1/outcomes: the ground truth for predictions, by their ids, counted per model version."""
