"""The HTTP server, over the runtime's data plane: /predict and the Open Inference Protocol on FastAPI."""
