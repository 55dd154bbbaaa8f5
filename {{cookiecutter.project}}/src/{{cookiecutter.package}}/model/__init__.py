"""The model's life before serving: load the data, train, export to ONNX, validate, write its card, track."""
