"""Migration to v0.3.0: bring your configs/train.toml to the lean package's format.

Usage (a `before` migration in copier.yml, run in the project): train_toml_v030.py [FILE]

The file is yours, so updates never overwrite it; but v0.3.0 reads a new format, and an old
file would stop `make train` with "unknown key". The change is made in the text, so your values
and comments stay where they are:
- `[model]` gains `task = "classification"` (the only task before v0.3.0);
- the table of the chosen estimator (`[model.<estimator>]`) becomes `[model.params]`; the
  tables of the other estimators, unused, stay as comments to copy back when you switch;
- `[features.ratios]` (gone: derive columns in `features.engineer()`) stays as comments;
- `[features]` gains the new `drop`, `categorical` and `numeric` lists (empty: as before).
A file already in the new format, or missing, is left alone. `mlops-cookie update` replaces a
file you never edited with the release's own version afterwards (with its comments).
"""

import re
import sys
import tomllib
from pathlib import Path

ESTIMATORS = {"logistic_regression", "random_forest", "hist_gradient_boosting"}
HEADER = re.compile(r"^\s*\[([A-Za-z0-9_.\-\s]+)\]\s*(#.*)?$")
NOTE = "# v0.3.0 update: "
FEATURES = f"""{NOTE}new: columns the model must not see (IDs, leaks), and the type of the
# others (empty lists: numbers are numeric, everything else is categorical)
[features]
drop = []
categorical = []
numeric = []

"""


def convert(text: str) -> str | None:
    """The file in the v0.3.0 format, or None when it needs no change."""
    data = tomllib.loads(text)
    model = data.get("model", {})
    old_tables = ESTIMATORS & {k for k, v in model.items() if isinstance(v, dict)}
    ratios = isinstance(data.get("features", {}).get("ratios"), dict)
    if "task" in model and not old_tables and not ratios:
        return None
    chosen = str(model.get("estimator", "logistic_regression"))
    features = data.get("features", {})
    plain = any(re.sub(r"\s+", "", m.group(1)) == "features" for m in map(HEADER.match,
                text.splitlines()) if m)  # fmt: skip
    add_features = not plain and not {"drop", "categorical", "numeric"} & set(features)
    out: list[str] = []
    section = ""
    for line in text.splitlines(keepends=True):
        header = HEADER.match(line)
        if header:
            section = re.sub(r"\s+", "", header.group(1))
            if section == "model" and add_features:
                out.append(FEATURES)
            name = section.removeprefix("model.")
            if section == f"model.{chosen}" and "params" not in model:
                out.append(f"{NOTE}the hyper-parameters of {chosen} (was [model.{chosen}])\n")
                out.append("[model.params]" + (f" {header.group(2)}" if header.group(2) else ""))
                out.append("\n")
                continue
            if section.startswith("model.") and name in ESTIMATORS:
                out.append(f"{NOTE}unused (not the chosen estimator); as [model.params] ")
                out.append("when you switch to it\n")
            elif section == "features.ratios":
                out.append(f"{NOTE}[features.ratios] is gone: derive these columns in ")
                out.append("features.engineer() (src/<package>/features.py)\n")
        if _commented(section, chosen):
            out.append(f"# {line}" if line.strip() else line)
            continue
        out.append(line)
        if header and section == "model" and "task" not in model:
            out.append(f'task = "classification"  {NOTE}the only task before v0.3.0\n')
    result = "".join(out)
    tomllib.loads(result)  # never write a file the new release cannot read
    return result


def _commented(section: str, chosen: str) -> bool:
    name = section.removeprefix("model.")
    unused = section.startswith("model.") and name in ESTIMATORS and name != chosen
    return unused or section == "features.ratios"


def main(path: str = "configs/train.toml") -> int:
    file = Path(path)
    if not file.is_file():
        return 0  # deleted or moved by the user: nothing to convert
    try:
        converted = convert(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        print(f"migration: {path} is not valid TOML ({exc}): fix it, then update again",
              file=sys.stderr)  # fmt: skip
        return 1
    if converted is not None:
        file.write_text(converted, encoding="utf-8")
        print(f"migration: {path} converted to the v0.3.0 format (values kept)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 2:
        sys.exit("usage: train_toml_v030.py [FILE]")
    sys.exit(main(*sys.argv[1:]))
