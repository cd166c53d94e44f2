"""Progress of the slow steps: a spinner on a terminal, one line per finished step."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import click


def stderr_is_tty() -> bool:
    return sys.stderr.isatty() and os.environ.get("TERM") != "dumb"


class Steps:
    """`with steps.step("Rendering", "rendered") as info:` prints `  rendered DETAIL (1.2 s)`."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    def note(self, text: str) -> None:
        if not self.quiet:
            click.echo(f"  note: {text}", err=True)

    @contextmanager
    def step(self, doing: str, done: str) -> Iterator[dict[str, str]]:
        info: dict[str, str] = {}
        start = time.perf_counter()
        if self.quiet:
            yield info
            return
        if stderr_is_tty():
            from rich.console import Console

            with Console(stderr=True).status(f"{doing}..."):
                yield info
        else:
            yield info
        seconds = time.perf_counter() - start
        detail = f" {info['detail']}" if info.get("detail") else ""
        click.echo(f"  {done}{detail} ({seconds:.1f} s)", err=True)
