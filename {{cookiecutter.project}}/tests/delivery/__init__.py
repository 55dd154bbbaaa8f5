"""Tests of delivery: the commands behind the workflows, and the k8s, Argo CD and workflow files."""
