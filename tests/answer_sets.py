"""The answer sets the static tests render: every value of every question, in pairwise combinations.

Pairwise (all-pairs) coverage renders every pair of option values at least once with a handful
of sets instead of the full product, which would be thousands of renders.
"""

from __future__ import annotations

from typing import Any

from allpairspy import AllPairs

from mlops_cookie.questions import load, visible

# Free-text questions get representative values; everything else takes all its choices.
FREE_VALUES: dict[str, list[Any]] = {
    "line_length": ["88", "79", "120"],
    "include_example": [True, False],
}


def _valid(values: list[Any], names: list[str]) -> bool:
    row = dict(zip(names, values, strict=False))
    return not (row.get("iac") == "bicep" and row.get("cloud") not in (None, "azure"))


def pairwise_sets() -> list[dict[str, Any]]:
    """Deterministic pairwise answer sets over every choice question, plus the defaults."""
    _, questions = load()
    params = {q.name: list(q.choices) for q in visible(questions) if q.choices}
    params.update(FREE_VALUES)
    names = list(params)
    sets = [
        dict(zip(names, row, strict=True))
        for row in AllPairs(list(params.values()), filter_func=lambda v: _valid(v, names))
    ]
    return [{}, *sets]


def set_id(answers: dict[str, Any]) -> str:
    if not answers:
        return "defaults"
    return "-".join(str(v) for v in answers.values())
