"""The Open Inference Protocol v2 over REST (the KServe and Triton API), binary tensors included."""
