"""Tests of the cloud training job (placeholder: being built)."""
