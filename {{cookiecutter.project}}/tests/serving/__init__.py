"""Tests of the server: in process through `client`, and as a real process over HTTP."""
