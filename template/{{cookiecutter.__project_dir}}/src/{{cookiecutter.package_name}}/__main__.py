"""Run the command line interface with ``python -m`` and the package name."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
