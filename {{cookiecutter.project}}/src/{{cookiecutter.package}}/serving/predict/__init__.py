"""POST /predict: the model's own API, one row of named, typed features or a batch of them."""
