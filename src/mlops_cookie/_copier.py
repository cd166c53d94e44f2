"""The only module that touches copier's private API (the workshop's shared-clone fast path).

Copier's public API renders one project per call, cloning the template every time. The
workshop renders hundreds from one clone, which needs `Worker`, `Template` and `SettingsModel`.
They are private: copier 9.5 moved them from `copier.main` (etc.) to `copier._main`. Names that
this copier does not provide are simply not defined here, so `from mlops_cookie._copier import
Worker` raises ImportError and callers take the public `run_copy` path. pyproject.toml bounds
copier from above; tests/test_copier_compat.py runs against the newest release the index serves.
"""

from __future__ import annotations

from typing import Any

try:  # copier >= 9.5
    from copier._main import Worker
    from copier._settings import SettingsModel
    from copier._template import Template
except ImportError:  # pragma: no cover - older copier, or internals moved again
    try:
        from copier.main import Worker  # type: ignore[no-redef]
        from copier.settings import SettingsModel  # type: ignore[no-redef]
        from copier.template import Template  # type: ignore[no-redef]
    except ImportError:
        pass

__all__ = ["SettingsModel", "Template", "Worker", "cleanup", "private_api_available"]


def private_api_available() -> bool:
    return all(name in globals() for name in ("Worker", "SettingsModel", "Template"))


def cleanup(template: Any) -> None:
    """Remove the clone a `Template` made (copier's own clean-up, when it has one)."""
    remove = getattr(template, "_cleanup", None)
    if callable(remove):
        remove()
