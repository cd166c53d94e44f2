"""mlops-cookie: an ML project template for copier, cookiecutter and cruft."""

__version__ = "0.6.0"
