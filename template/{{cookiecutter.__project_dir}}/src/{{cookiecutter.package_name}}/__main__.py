"""Run the command line with ``python -m`` and the package name."""

from .cli import run

if __name__ == "__main__":
    run()
