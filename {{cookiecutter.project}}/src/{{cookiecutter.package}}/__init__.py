"""Train a scikit-learn model, export it to ONNX and serve it over HTTP."""
