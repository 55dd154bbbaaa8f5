"""The HTTP server: a FastAPI app on onnxruntime speaking /predict and the Open Inference Protocol."""
