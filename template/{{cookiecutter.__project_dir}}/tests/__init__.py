"""Tests of the project package (run with `make test`)."""
