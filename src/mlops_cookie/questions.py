"""Read the template's questions from copier.yml, the one place they are defined."""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
COPIER_YML = REPO_ROOT / "copier.yml"


class _IncludeLoader(yaml.SafeLoader):
    """YAML loader that understands copier's ``!include`` tag (paths relative to copier.yml)."""


def _load_copier_yml(path: Path) -> dict[str, Any]:
    root = path.parent
    merged: dict[str, Any] = {}

    def include(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        pattern = loader.construct_scalar(node)  # type: ignore[arg-type]
        data: dict[str, Any] = {}
        for match in sorted(glob.glob(str(root / pattern))):
            for doc in yaml.load_all(Path(match).read_text(), Loader=_IncludeLoader):
                data.update(doc or {})
        return data

    _IncludeLoader.add_constructor("!include", include)
    for doc in yaml.load_all(path.read_text(encoding="utf-8"), Loader=_IncludeLoader):
        merged.update(doc or {})
    return merged


@dataclass(frozen=True)
class Question:
    """One question of copier.yml, as the other engines and the docs need it."""

    name: str
    type: str
    help: str
    default: Any
    choices: list[Any] | None
    validator: str | None
    hidden: bool
    why: str = ""
    allowed: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def required(self) -> bool:
        return self.default is None and not self.hidden


def load(path: Path = COPIER_YML) -> tuple[dict[str, Any], list[Question]]:
    """Return (settings, questions) from copier.yml in file order."""
    data = _load_copier_yml(path)
    settings = {k: v for k, v in data.items() if k.startswith("_")}
    questions = []
    for name, spec in data.items():
        if name.startswith("_"):
            continue
        questions.append(
            Question(
                name=name,
                type=spec.get("type", "str"),
                help=spec.get("help", ""),
                default=spec.get("default"),
                choices=spec.get("choices"),
                validator=spec.get("validator"),
                hidden=str(spec.get("when", "true")).lower() == "false",
                why=(spec.get("x_doc") or {}).get("why", ""),
                allowed=(spec.get("x_doc") or {}).get("allowed", ""),
                raw=spec,
            )
        )
    return settings, questions


def visible(questions: list[Question]) -> list[Question]:
    """The questions a user answers (hidden helpers left out)."""
    return [q for q in questions if not q.hidden]
