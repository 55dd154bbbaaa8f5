"""Tests of the Open Inference Protocol v2 routes, tensor codec and binary extension."""
