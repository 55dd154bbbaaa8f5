"""GitOps delivery: pin image digests in overlays, commit and push them, probe what got deployed."""
