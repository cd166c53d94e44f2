"""Training, evaluation and prediction pipeline of this project."""

__version__ = "0.1.0"
