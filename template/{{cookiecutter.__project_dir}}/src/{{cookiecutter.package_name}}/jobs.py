"""Training jobs on the cloud's ML platform (placeholder: being built)."""
