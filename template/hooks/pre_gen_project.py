# Derived from hooks/pre_gen_project.py and copier.yml by `make derive`: edit those, not this file
# (a test fails when they drift). Cookiecutter renders it with Jinja, then runs it.
"""Refuse bad answers before cookiecutter or cruft writes a file.

The checks are copier.yml's own validators (plain Jinja), evaluated here unchanged, so every
engine refuses the same answers with the same one-line message. On failure cookiecutter
removes the project folder it had just created. Copier needs no hook: it runs the validators
itself.

Source: hooks/pre_gen_project.py. Cookiecutter runs template/hooks/pre_gen_project.py, the copy
that `make derive` writes with the data block filled in.
"""

import json
import sys
from functools import cache

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

# >>> data: filled in by `python -m mlops_cookie.derive` in the derived copy
ANSWERS = json.loads(r'''{{ cookiecutter | tojson }}''')
TABLE = json.loads(
    r'''{% raw %}{
 "questions": [
  {
   "name": "project_name",
   "type": "str",
   "choices": null,
   "validator": "{% if not project_name.strip() %}project_name is required: a human-readable name such as 'Churn Model' {%- elif project_name != project_name.strip() %}project_name '{{ project_name }}' must not start or end with spaces {%- elif project_name | length > 80 %}project_name is {{ project_name | length }} characters long: at most 80 are allowed {%- elif ('\"' in project_name) or ('\\\\' in project_name) or ('{' in project_name) or ('}' in project_name) or (project_name.isprintable() == false) %}project_name '{{ project_name }}' contains a character that is not allowed: no quotes, backslashes, braces or control characters {%- endif %}"
  },
  {
   "name": "project_slug",
   "type": "str",
   "choices": null,
   "validator": "{% if not project_slug or project_slug.strip('abcdefghijklmnopqrstuvwxyz0123456789-') or project_slug[0] not in 'abcdefghijklmnopqrstuvwxyz' or project_slug.endswith('-') or '--' in project_slug or project_slug | length > 64 %}project_slug '{{ project_slug }}' is not allowed: use 1-64 lowercase ASCII letters, digits and single hyphens, starting with a letter (e.g. churn-model) {%- endif %}"
  },
  {
   "name": "package_name",
   "type": "str",
   "choices": null,
   "validator": "{% if not package_name or package_name.strip('abcdefghijklmnopqrstuvwxyz0123456789_') or package_name[0] not in 'abcdefghijklmnopqrstuvwxyz' or package_name | length > 64 %}package_name '{{ package_name }}' is not allowed: use 1-64 lowercase ASCII letters, digits and underscores, starting with a letter (e.g. churn_model) {%- elif package_name in reserved_package_names %}package_name '{{ package_name }}' is not allowed: it is a Python keyword, a standard-library module or a package the project depends on; choose another name (e.g. {{ package_name }}_model) {%- endif %}"
  },
  {
   "name": "description",
   "type": "str",
   "choices": null,
   "validator": "{% if ('\"' in description) or ('\\\\' in description) or ('{' in description) or ('}' in description) or (description.isprintable() == false) %}description contains a character that is not allowed: no quotes, backslashes, braces or control characters {%- elif description | length > 200 %}description is {{ description | length }} characters long: at most 200 are allowed {%- endif %}"
  },
  {
   "name": "author_name",
   "type": "str",
   "choices": null,
   "validator": "{% if not author_name.strip() %}author_name is required: a person or team name {%- elif ('\"' in author_name) or ('\\\\' in author_name) or ('{' in author_name) or ('}' in author_name) or (author_name.isprintable() == false) %}author_name '{{ author_name }}' contains a character that is not allowed: no quotes, backslashes, braces or control characters {%- endif %}"
  },
  {
   "name": "author_email",
   "type": "str",
   "choices": null,
   "validator": "{% set parts = author_email.split('@') %} {%- if parts | length != 2 or not parts[0] or '.' not in parts[1] or parts[1].startswith('.') or parts[1].endswith('.') or '..' in parts[1] or ' ' in author_email or not author_email.isascii() or not author_email.isprintable() or ('\"' in author_email) or ('\\\\' in author_email) %}author_email '{{ author_email }}' is not a valid e-mail address: expected name@domain.tld {%- endif %}"
  },
  {
   "name": "python_version",
   "type": "str",
   "choices": [
    "3.11",
    "3.12",
    "3.13"
   ],
   "validator": null
  },
  {
   "name": "license",
   "type": "str",
   "choices": [
    "MIT",
    "Apache-2.0",
    "BSD-3-Clause",
    "Proprietary"
   ],
   "validator": null
  },
  {
   "name": "package_manager",
   "type": "str",
   "choices": [
    "uv",
    "pip"
   ],
   "validator": null
  },
  {
   "name": "line_length",
   "type": "str",
   "choices": null,
   "validator": "{% if not line_length.isdigit() or line_length | int < 79 or line_length | int > 120 %}line_length '{{ line_length }}' is not allowed: choose a whole number from 79 to 120 {%- endif %}"
  },
  {
   "name": "ci_provider",
   "type": "str",
   "choices": [
    "github",
    "azure-devops",
    "gitlab",
    "none"
   ],
   "validator": null
  },
  {
   "name": "iac",
   "type": "str",
   "choices": [
    "terraform",
    "bicep",
    "none"
   ],
   "validator": null
  },
  {
   "name": "cloud",
   "type": "str",
   "choices": [
    "azure",
    "aws",
    "gcp"
   ],
   "validator": "{% if iac == 'bicep' and cloud != 'azure' %}cloud '{{ cloud }}' is not allowed with iac 'bicep': Bicep deploys to Azure only, so choose cloud=azure or iac=terraform {%- endif %}"
  },
  {
   "name": "serving",
   "type": "str",
   "choices": [
    "fastapi",
    "none"
   ],
   "validator": null
  },
  {
   "name": "training_compute",
   "type": "str",
   "choices": [
    "local",
    "cloud"
   ],
   "validator": "{% if training_compute == 'cloud' and iac == 'none' %}training_compute 'cloud' is not allowed with iac 'none': the infrastructure code creates the training compute, identity and storage, so choose iac=terraform or iac=bicep, or training_compute=local {%- endif %}"
  },
  {
   "name": "experiment_tracking",
   "type": "str",
   "choices": [
    "mlflow",
    "none"
   ],
   "validator": null
  },
  {
   "name": "data_versioning",
   "type": "str",
   "choices": [
    "dvc",
    "none"
   ],
   "validator": null
  },
  {
   "name": "r_scripts",
   "type": "bool",
   "choices": null,
   "validator": null
  },
  {
   "name": "feature_store",
   "type": "str",
   "choices": [
    "none",
    "feast"
   ],
   "validator": null
  },
  {
   "name": "docs",
   "type": "str",
   "choices": [
    "mkdocs",
    "none"
   ],
   "validator": null
  },
  {
   "name": "include_example",
   "type": "bool",
   "choices": null,
   "validator": null
  },
  {
   "name": "workshop",
   "type": "bool",
   "choices": null,
   "validator": null
  }
 ],
 "context": {
  "reserved_package_names": [
   "abc",
   "aifc",
   "and",
   "antigravity",
   "argparse",
   "array",
   "as",
   "assert",
   "ast",
   "async",
   "asynchat",
   "asyncio",
   "asyncore",
   "atexit",
   "audioop",
   "await",
   "base64",
   "bdb",
   "binascii",
   "bisect",
   "break",
   "builtins",
   "bz2",
   "calendar",
   "case",
   "cgi",
   "cgitb",
   "chunk",
   "class",
   "cmath",
   "cmd",
   "code",
   "codecs",
   "codeop",
   "collections",
   "colorsys",
   "compileall",
   "concurrent",
   "configparser",
   "contextlib",
   "contextvars",
   "continue",
   "copy",
   "copyreg",
   "crypt",
   "csv",
   "ctypes",
   "curses",
   "dataclasses",
   "datetime",
   "dbm",
   "decimal",
   "def",
   "del",
   "difflib",
   "dis",
   "distutils",
   "doctest",
   "dvc",
   "elif",
   "else",
   "email",
   "encodings",
   "ensurepip",
   "enum",
   "errno",
   "except",
   "fastapi",
   "faulthandler",
   "fcntl",
   "filecmp",
   "fileinput",
   "finally",
   "fnmatch",
   "for",
   "fractions",
   "from",
   "ftplib",
   "functools",
   "gc",
   "genericpath",
   "getopt",
   "getpass",
   "gettext",
   "glob",
   "global",
   "graphlib",
   "grp",
   "gzip",
   "hashlib",
   "heapq",
   "hmac",
   "html",
   "http",
   "httpx2",
   "idlelib",
   "if",
   "imaplib",
   "imghdr",
   "imp",
   "import",
   "importlib",
   "in",
   "inspect",
   "io",
   "ipaddress",
   "is",
   "itertools",
   "joblib",
   "json",
   "jupytext",
   "keyword",
   "lambda",
   "lib2to3",
   "linecache",
   "locale",
   "locust",
   "logging",
   "lzma",
   "mailbox",
   "mailcap",
   "marshal",
   "match",
   "math",
   "mimetypes",
   "mlflow",
   "mmap",
   "modulefinder",
   "msilib",
   "msvcrt",
   "multiprocessing",
   "netrc",
   "nis",
   "nntplib",
   "nonlocal",
   "not",
   "notebooks",
   "nt",
   "ntpath",
   "nturl2path",
   "numbers",
   "numpy",
   "opcode",
   "operator",
   "optparse",
   "or",
   "os",
   "ossaudiodev",
   "pandas",
   "pass",
   "pathlib",
   "pdb",
   "pickle",
   "pickletools",
   "pipes",
   "pkgutil",
   "platform",
   "plistlib",
   "poplib",
   "posix",
   "posixpath",
   "pprint",
   "profile",
   "prometheus_client",
   "pstats",
   "pty",
   "pwd",
   "py_compile",
   "pyclbr",
   "pydantic",
   "pydoc",
   "pydoc_data",
   "pyexpat",
   "pytest",
   "queue",
   "quopri",
   "raise",
   "random",
   "re",
   "readline",
   "reprlib",
   "resource",
   "return",
   "rlcompleter",
   "runpy",
   "sched",
   "scikit_learn",
   "scipy",
   "secrets",
   "select",
   "selectors",
   "setup",
   "shelve",
   "shlex",
   "shutil",
   "signal",
   "site",
   "sklearn",
   "smtpd",
   "smtplib",
   "sndhdr",
   "socket",
   "socketserver",
   "spwd",
   "sqlite3",
   "src",
   "sre_compile",
   "sre_constants",
   "sre_parse",
   "ssl",
   "starlette",
   "stat",
   "statistics",
   "string",
   "stringprep",
   "struct",
   "subprocess",
   "sunau",
   "symtable",
   "sys",
   "sysconfig",
   "syslog",
   "tabnanny",
   "tarfile",
   "telnetlib",
   "tempfile",
   "termios",
   "test",
   "tests",
   "textwrap",
   "this",
   "threading",
   "time",
   "timeit",
   "tkinter",
   "token",
   "tokenize",
   "tomllib",
   "trace",
   "traceback",
   "tracemalloc",
   "try",
   "tty",
   "turtle",
   "turtledemo",
   "types",
   "typing",
   "unicodedata",
   "unittest",
   "urllib",
   "uu",
   "uuid",
   "uvicorn",
   "venv",
   "warnings",
   "wave",
   "weakref",
   "webbrowser",
   "while",
   "winreg",
   "winsound",
   "with",
   "wsgiref",
   "xdrlib",
   "xml",
   "xmlrpc",
   "yield",
   "zipapp",
   "zipfile",
   "zipimport",
   "zlib",
   "zoneinfo"
  ]
 }
}{% endraw %}'''
)
# <<<


def coerce(question, value):
    """Turn cookiecutter's answer into copier's type, or return an error message."""
    name, kind = question["name"], question["type"]
    if kind == "bool" and not isinstance(value, bool):
        text = str(value).strip().lower()
        if text not in {"true", "false", "yes", "no", "y", "n", "1", "0", "on", "off"}:
            return None, f"{name} '{value}' is not allowed: answer true or false"
        return text in {"true", "yes", "y", "1", "on"}, None
    if question["choices"] and value not in question["choices"]:
        allowed = ", ".join(question["choices"])
        return None, f"{name} '{value}' is not allowed: choose one of {allowed}"
    return value, None


@cache
def compiled(source):
    """A validator, compiled once (the tests judge thousands of answer sets with this hook)."""
    env = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True)
    return env.from_string(source)


def first_error(answers, table=None):
    """The first refused answer's message, in question order, or None."""
    table = table or TABLE
    context = dict(table["context"])
    for question in table["questions"]:
        value, error = coerce(question, answers.get(question["name"], ""))
        if error:
            return error
        context[question["name"]] = value
    for question in table["questions"]:
        if question["validator"]:
            message = compiled(question["validator"]).render(context).strip()
            if message:
                return message
    return None


if __name__ == "__main__":
    error = first_error(ANSWERS)
    if error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
