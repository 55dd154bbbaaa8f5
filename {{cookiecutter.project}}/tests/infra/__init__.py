"""Tests of the files that build, deliver and run the service but are not Python: the k8s manifests and
overlays, Argo CD, the workflows, the Dockerfile and the image contents, the alert rules, the code owners
and the delivery docs. The unit tests of the package's delivery code are in tests/delivery/."""
