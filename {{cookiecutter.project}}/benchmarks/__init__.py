"""`make bench`: the model server against a do-nothing FastAPI floor, driven by wrk, side by side."""
