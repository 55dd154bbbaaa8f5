"""The shadow stage: inference answers re-asked of the stable model and compared (docs/monitoring.md)."""

# Sent with every re-ask: a request carrying it is never re-asked, and its ids count as a mirror's.
REASK = "x-shadow-reask"
