"""The cloud contract, offline: provider schemas for Terraform and the CLI calls of scripts.

Template maintenance only (tests/test_cloud_contract.py, `make install`); not shipped.

Provider schemas come from the prebuilt CDK-for-Terraform provider packages on the package
index: each wheel holds a jsii assembly (`.jsii`, JSON, inside a tarball) generated from one
provider release's schema. Every resource and data source is a class whose docs link to the
registry page of its Terraform type; its `config` interface lists the arguments, each with a
docs link whose anchor is the argument's Terraform name (the jsii names are camelCase, and
renamed where they clash with a language keyword, so the anchor is the reliable name). A
property whose type is another struct of the assembly is a nested block (or a nested object
attribute); we recurse into it. `python -m mlops_cookie.contract DIR` downloads the wheels
(no dependencies), reads the assemblies and writes one compact JSON per provider into DIR.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import hcl2
import yaml

# Terraform provider -> the package holding its schema. The cdktf packages stopped at these
# releases (the project was sunset in December 2025): azurerm 4.55.0, aws 6.25.0, google 6.50.0.
PROVIDER_PACKAGES = {
    "azurerm": ("cdktf-cdktf-provider-azurerm", "14.23.1"),
    "aws": ("cdktf-cdktf-provider-aws", "21.22.1"),
    "google": ("cdktf-cdktf-provider-google", "16.12.1"),
}
CLOUD_PROVIDER = {"azure": "azurerm", "aws": "aws", "gcp": "google"}

# Meta-arguments and meta-blocks Terraform accepts on any resource / data source.
META_ARGUMENTS = {"count", "for_each", "depends_on", "provider", "lifecycle"}
RESOURCE_META_BLOCKS = {"connection", "provisioner"}
_LINK = re.compile(r"\{@link https://\S+/docs/(resources|data-sources)/\S+ (\w+)\}")
_ANCHOR = re.compile(r"\{@link https://\S+#(\w+) ")
# python-hcl2's bookkeeping keys in its output, not arguments
_HCL2_KEYS = {
    "__is_block__",
    "__comments__",
    "__inline_comments__",
    "__start_line__",
    "__end_line__",
}

Schema = dict[str, Any]  # {"a": [attribute names], "b": {block name: Schema}}


def schema_path(cache: Path, provider: str) -> Path:
    package, version = PROVIDER_PACKAGES[provider]
    return cache / f"{package}-{version}.json"


def _struct(types: dict[str, Any], fqn: str, seen: tuple[str, ...] = ()) -> Schema:
    """The arguments of one config/block interface, nested blocks expanded."""
    attributes: list[str] = []
    blocks: dict[str, Schema] = {}
    interface = types[fqn]
    properties = list(interface.get("properties", []))
    for parent in interface.get("interfaces", []):  # inherited config, never cdktf's meta args
        if parent in types:
            properties += types[parent].get("properties", [])
    for prop in properties:
        match = _ANCHOR.search(json.dumps(prop.get("docs", {})))
        if match is None:
            continue
        name = match.group(1)
        nested = _nested_struct(types, prop["type"])
        if nested is not None and nested not in seen:
            blocks[name] = _struct(types, nested, (*seen, nested))
        else:
            attributes.append(name)
    return {"a": sorted(attributes), "b": blocks}


def _nested_struct(types: dict[str, Any], ref: dict[str, Any]) -> str | None:
    """The struct a property's type refers to (alone, in a list or a union), None for a scalar,
    a map (its keys are free) or a list of scalars."""
    if "fqn" in ref:
        target = types.get(ref["fqn"])
        return ref["fqn"] if target is not None and target.get("datatype") else None
    if "union" in ref:
        for member in ref["union"]["types"]:
            found = _nested_struct(types, member)
            if found:
                return found
    if "collection" in ref and ref["collection"]["kind"] == "array":
        return _nested_struct(types, ref["collection"]["elementtype"])
    return None


def build_schema(assembly: dict[str, Any]) -> dict[str, Any]:
    """{"provider": Schema, "resource": {type: Schema}, "data": {type: Schema}} of an assembly."""
    types = assembly["types"]
    result: dict[str, Any] = {"resource": {}, "data": {}, "provider": None}
    for cls in types.values():
        if cls.get("kind") != "class":
            continue
        config = [p for p in cls.get("initializer", {}).get("parameters", [])
                  if p["name"] == "config"]  # fmt: skip
        if not config or "fqn" not in config[0]["type"]:
            continue
        base = cls.get("base")
        if base == "cdktf.TerraformProvider":
            result["provider"] = _struct(types, config[0]["type"]["fqn"])
            continue
        link = _LINK.search(cls.get("docs", {}).get("summary", ""))
        if base not in ("cdktf.TerraformResource", "cdktf.TerraformDataSource") or not link:
            continue
        kind = "resource" if link.group(1) == "resources" else "data"
        result[kind][link.group(2)] = _struct(types, config[0]["type"]["fqn"])
    return result


def fetch(cache: Path) -> list[Path]:
    """Download each provider package (the wheel alone), write its schema JSON into `cache`,
    keep nothing else. Already present schemas are kept."""
    cache.mkdir(parents=True, exist_ok=True)
    written = []
    for provider, (package, version) in PROVIDER_PACKAGES.items():
        target = schema_path(cache, provider)
        if target.exists():
            continue
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                 "--disable-pip-version-check", "--only-binary=:all:", "--dest", tmp,
                 f"{package}=={version}"],
                check=True,
            )  # fmt: skip
            (wheel,) = Path(tmp).glob("*.whl")
            with zipfile.ZipFile(wheel) as whl:
                (inner,) = [n for n in whl.namelist() if n.endswith(".jsii.tgz")]
                with whl.open(inner) as raw, tarfile.open(fileobj=raw, mode="r|gz") as tgz:
                    for member in tgz:
                        if member.name == "package/.jsii":
                            fileobj = tgz.extractfile(member)
                            assert fileobj is not None
                            assembly = json.load(io.BufferedReader(fileobj))  # type: ignore[arg-type]
                            break
                    else:
                        raise RuntimeError(f"{wheel.name}: no jsii assembly in {inner}")
        schema = build_schema(assembly)
        schema["version"] = _provider_version(assembly)
        tmp_target = target.with_suffix(".tmp")
        tmp_target.write_text(json.dumps(schema, separators=(",", ":"), sort_keys=True))
        tmp_target.replace(target)  # a half-written schema never looks complete
        written.append(target)
    return written


def _provider_version(assembly: dict[str, Any]) -> str:
    match = re.search(r"/providers/hashicorp/\w+/([\d.]+)/docs", json.dumps(assembly["docs"]))
    if match:
        return match.group(1)
    for cls in assembly["types"].values():
        found = re.search(
            r"/providers/hashicorp/\w+/([\d.]+)/", cls.get("docs", {}).get("summary", "")
        )
        if found:
            return found.group(1)
    raise RuntimeError("no provider version in the assembly")


def load_schema(cache: Path, provider: str) -> dict[str, Any]:
    path = schema_path(cache, provider)
    assert path.exists(), f"{path} is missing: run `make install` (it fetches provider schemas)"
    return json.loads(path.read_text())


# --------------------------------------------------------------------------- Terraform checks
def _unquote(label: str) -> str:
    return label[1:-1] if len(label) >= 2 and label[0] == label[-1] == '"' else label


def _check_body(body: dict[str, Any], schema: Schema, where: str, meta: set[str]) -> list[str]:
    errors = []
    for key, value in body.items():
        if key in _HCL2_KEYS or key in meta:
            continue
        if key == "dynamic":  # dynamic "name" { content { ... } }
            for item in value if isinstance(value, list) else [value]:
                for label, dyn in item.items():
                    name = _unquote(label)
                    if name not in schema["b"]:
                        errors.append(f"{where}: dynamic block {name!r} is no block of the schema")
                        continue
                    content = dyn.get("content", [{}])
                    for part in content if isinstance(content, list) else [content]:
                        errors += _check_body(part, schema["b"][name], f"{where}.{name}", set())
            continue
        if key in schema["b"]:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):
                    errors += _check_body(item, schema["b"][key], f"{where}.{key}", set())
        elif key not in schema["a"]:
            kind = "block" if _is_block(value) else "argument"
            errors.append(f"{where}: unknown {kind} {key!r}")
    return errors


def _is_block(value: Any) -> bool:
    items = value if isinstance(value, list) else [value]
    return any(isinstance(i, dict) and i.get("__is_block__") for i in items)


def check_terraform(files: dict[str, str], schema: dict[str, Any]) -> list[str]:
    """Every resource, data source and provider block of the given .tf texts (name -> text)
    against a provider schema: one message per unknown type, argument or block."""
    errors = []
    provider_name = None
    for name, text in sorted(files.items()):
        parsed = hcl2.loads(text)
        for kind, meta in (("resource", META_ARGUMENTS | RESOURCE_META_BLOCKS),
                           ("data", META_ARGUMENTS)):  # fmt: skip
            for entry in parsed.get(kind, []):
                for rtype, instances in entry.items():
                    rtype = _unquote(rtype)
                    known = schema[kind].get(rtype)
                    for label, body in instances.items():
                        where = f"{name}: {kind} {rtype}.{_unquote(label)}"
                        if known is None:
                            errors.append(f"{where}: unknown {kind} type {rtype!r}")
                            continue
                        errors += _check_body(body, known, where, meta)
        for entry in parsed.get("provider", []):
            for label, body in entry.items():
                provider_name = _unquote(label)
                errors += _check_body(body, schema["provider"], f"{name}: provider {provider_name}",
                                      {"alias"})  # fmt: skip
    return errors


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m mlops_cookie.contract CACHE_DIR", file=sys.stderr)
        return 2
    for path in fetch(Path(argv[0])):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))


# --------------------------------------------------------------------------- CLI calls
CLI_TOOLS = ("az", "aws", "gcloud")
PLACEHOLDER = "placeholder"  # what every variable, $(command) and ${{ expression }} becomes
_COMMAND_START = re.compile(r"(?:^|(?<=[\s;&|(!`]))(az|aws|gcloud)(?=\s)")
# where a script holds shell: GitHub `run`, GitLab `script`/`before_script`/`after_script`,
# Azure Pipelines `script`/`bash` steps and the AzureCLI task's `inlineScript`
_BEFORE_COMMAND = {"if", "then", "do", "else", "elif", "while", "until", "time", "exec", "!"}
SHELL_KEYS = {"run", "script", "before_script", "after_script", "bash", "inlineScript"}


def _skip_substitution(text: str, i: int) -> int:
    """Index just past the `$(...)` / `${...}` / `${{ ... }}` starting at text[i]."""
    close = {"(": ")", "{": "}"}[text[i + 1]]
    depth, j, quote = 0, i + 1, None
    while j < len(text):
        ch = text[j]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"" and close == ")":
            quote = ch
        elif ch == text[i + 1]:
            depth += 1
        elif ch == close:
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return len(text)


def _arrays(text: str) -> dict[str, str]:
    """name -> its elements as shell text, from every `name=(...)` and `name+=(...)`."""
    arrays: dict[str, str] = {}
    for match in re.finditer(r"\b(\w+)(\+?)=\(", text):
        end = _skip_substitution(text, match.end() - 2)
        body = text[match.end() : end - 1]
        name = match.group(1)
        arrays[name] = f"{arrays[name]} {body}" if match.group(2) and name in arrays else body
    return arrays


def _command_text(text: str, start: int, arrays: dict[str, str] | None = None) -> str:
    """The simple command from `start`, up to the first unquoted `| ; & ) < >` or newline, with
    every substitution replaced by the placeholder."""
    out: list[str] = []
    i, quote = start, None
    while i < len(text):
        ch = text[i]
        if ch == "\\" and quote != "'" and i + 1 < len(text):
            out.append(text[i : i + 2])
            i += 2
            continue
        if quote:
            if ch == quote:
                quote = None
            elif (array := re.match(r'\$\{(\w+)\[@\]\}"', text[i:])) and arrays is not None:
                # "${name[@]}": the elements the script put into the array, as words
                if out and out[-1] == '"':
                    out.pop()  # the array's opening quote: its elements are words of their own
                else:
                    out.append('"')
                out.append(" " + _command_text(arrays.get(array.group(1), ""), 0, {}) + " ")
                quote = None
                i += array.end()
                continue
            elif ch == "$" and quote == '"' and i + 1 < len(text) and text[i + 1] in "({":
                out.append(PLACEHOLDER)
                i = _skip_substitution(text, i)
                continue
            elif ch == "$" and quote == '"' and re.match(r"\$[A-Za-z_0-9@*#?]", text[i:]):
                out.append(PLACEHOLDER)
                i = re.match(r"\$([A-Za-z_]\w*|.)", text[i:]).end() + i  # type: ignore[union-attr]
                continue
            out.append(ch)
            i += 1
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "|;&)<>\n`" or (ch.isdigit() and text[i + 1 : i + 2] == ">"):
            break
        elif ch == "$" and i + 1 < len(text) and text[i + 1] in "({":
            out.append(PLACEHOLDER)
            i = _skip_substitution(text, i)
            continue
        elif ch == "$" and re.match(r"\$[A-Za-z_0-9@*#?]", text[i:]):
            out.append(PLACEHOLDER)
            i = re.match(r"\$([A-Za-z_]\w*|.)", text[i:]).end() + i  # type: ignore[union-attr]
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def shell_calls(script: str) -> list[tuple[str, list[str]]]:
    """Every az/aws/gcloud command line of a shell script: (tool, argv without the tool), with
    line continuations joined, comments dropped and substitutions as placeholders, including
    commands inside `$(...)` and after `if`, `!`, `&&`, `||` and `|`."""
    import shlex

    script = re.sub(r"\\\n\s*", " ", script)
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("#")]
    text = "\n".join(lines)
    calls = []
    arrays = _arrays(text)
    for match in _COMMAND_START.finditer(text):
        before = text[text.rfind("\n", 0, match.start()) + 1 : match.start()].rstrip()
        words = before.split()
        # a command word, not a word in a message: first on its line, or after an operator,
        # `$(` or a keyword that a command follows
        if before and before[-1] not in ";&|(!`{" and words[-1] not in _BEFORE_COMMAND:
            continue
        command = _command_text(text, match.end(), arrays)
        try:
            argv = shlex.split(command, comments=True)
        except ValueError as exc:
            raise ValueError(f"cannot split {match.group(1)} {command!r}: {exc}") from exc
        calls.append((match.group(1), argv))
    return calls


class PipelineLoader(yaml.SafeLoader):
    """YAML of any CI provider: GitLab's `!reference [job, key]` becomes its list."""


PipelineLoader.add_constructor(
    "!reference",
    lambda loader, node: loader.construct_sequence(node),  # type: ignore[arg-type]
)


def load_pipeline(text: str) -> Any:
    return yaml.load(text, Loader=PipelineLoader)


def pipeline_scripts(document: Any) -> list[str]:
    """The shell scripts of a parsed pipeline YAML document (any provider), in order."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in SHELL_KEYS:
                    items = value if isinstance(value, list) else [value]
                    found.extend(item for item in items if isinstance(item, str))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    # GitHub expressions and Azure Pipelines template expressions are values, not shell
    return [re.sub(r"\$\{\{.*?\}\}", PLACEHOLDER, s) for s in found]


def markdown_scripts(text: str) -> list[str]:
    """The shell in a Markdown page's fenced code blocks (bash, sh, shell, console or none),
    `<placeholders>` and `$ ` prompts made plain words."""
    blocks = re.findall(r"^```(?:bash|sh|shell|console)?\n(.*?)^```", text, re.S | re.M)
    return [re.sub(r"^\$ ", "", re.sub(r"<[^<>\n]+>", PLACEHOLDER, b), flags=re.M) for b in blocks]
