"""The shadow stage: inference answers re-asked of the stable model and compared (docs/monitoring.md)."""
