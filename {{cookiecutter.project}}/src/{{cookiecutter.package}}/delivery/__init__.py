"""GitOps delivery: render an environment at a source commit, promote it on its env/ branch, and watch
it serve what was promoted. environments.py lists the environments; nothing here imports upward."""
