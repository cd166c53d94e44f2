"""The one family of errors the user can fix.

Every user-facing error of the command derives from `MlopsCookieError`: the command prints it as
`error: ...` lines (one per problem) and exits 2, never with a traceback.
"""

from __future__ import annotations


class MlopsCookieError(Exception):
    """Base of every error the user can fix; `lines()` is what the command prints."""

    def lines(self) -> list[str]:
        problems = getattr(self, "problems", None)
        if problems:
            return [str(problem) for problem in problems]
        return [one_line(self)]


class UserError(MlopsCookieError):
    """A problem with the arguments, the input or the repository; shown as one line."""


def one_line(error: BaseException) -> str:
    """A message on one line: short messages joined, long ones (tracebacks) cut to the last."""
    text = str(error).strip() or type(error).__name__
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(lines) if len(lines) <= 2 else lines[-1]
