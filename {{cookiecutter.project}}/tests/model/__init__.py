"""Tests of the model's life: data, training, export, the gate, the card and their commands."""
