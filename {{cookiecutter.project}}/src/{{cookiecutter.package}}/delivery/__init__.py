"""GitOps delivery: render an environment at a source commit, promote it on its env/ branch, probe it."""
