"""Outcomes: prediction ids that carry their own provenance, and the ground truth recorded against them."""
