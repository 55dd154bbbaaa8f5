"""The model runtime, below every wing: the loaded model, its column codec and its data plane; no HTTP."""
