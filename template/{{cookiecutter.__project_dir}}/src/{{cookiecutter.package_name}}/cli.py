"""The command line: every command of the project, in one Typer app.

Run it as the package's console script or with ``python -m`` and the package.

Problems a user can fix (bad configuration or data, a failed quality gate)
end with one line on stderr and exit status 1, never with a traceback.
"""

from __future__ import annotations

{% if cookiecutter.serving == 'fastapi' -%}
import json
{% endif -%}
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
{%- if cookiecutter.serving == 'fastapi' %}
import uvicorn
{%- endif %}

from . import __version__
from .config import load_config
{%- if cookiecutter.serving == 'fastapi' %}
from .data import TRAIN_FILE, normalize_columns, read_csv
{%- endif %}
from .errors import ProjectError
from .evaluate import evaluate as run_evaluate
{%- if cookiecutter.serving == 'fastapi' %}
from .monitoring import check_drift, read_inputs
{%- endif %}
from .predict import load_model, predict_file
from .promote import decide
{%- if cookiecutter.serving == 'fastapi' %}
from .serve import Settings, log_config
{%- endif %}
from .train import train as run_train

app = typer.Typer(
    help="Train, evaluate and use the model of this project.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Configuration file (default: configs/train.toml).",
    ),
]


def fail(message: str, status: int = 1) -> typer.Exit:
    """Print ``message`` on stderr; the exit to raise."""
    typer.echo(message, err=True)
    return typer.Exit(status)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"{__package__} {__version__}")
        raise typer.Exit


@app.callback()
def main(
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True),
    ] = False,
) -> None:
    """Log progress to stderr (only warnings with --quiet)."""
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO,
        format="%(message)s",
        stream=sys.stderr,
        force=True,
    )


@app.command()
def train(config: ConfigOption = None) -> None:
    """Load, check and split the data; fit and save the model."""
    run_train(load_config(config))


@app.command()
def evaluate(config: ConfigOption = None) -> None:
    """Score the held-out split; exit 1 when the quality gate fails."""
    report = run_evaluate(load_config(config))
    if not report["quality_gate"]["passed"]:
        raise fail(report["message"])
    typer.echo(report["message"])


@app.command()
def predict(
    source: Annotated[Path, typer.Option("--input", "-i", help="To score.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="To write.")],
    model: Annotated[
        Path | None,
        typer.Option("--model", "-m", help="Model file (metadata: .json)."),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Add predictions to a CSV file."""
    paths = load_config(config).paths
    metadata = model.with_suffix(".json") if model else paths.metadata
    predict_file(load_model(model or paths.model, metadata), source, output)


@app.command()
def promote(
    candidate: Annotated[Path, typer.Option(help="The new metrics report.")],
    baseline: Annotated[Path, typer.Option(help="Production's report.")],
    metric: Annotated[str | None, typer.Option()] = None,
    tolerance: Annotated[float, typer.Option(min=0)] = 0.0,
) -> None:
    """Exit 0 when the candidate is at least as good as production, else 1.

    Exit status 2 when a report cannot be used.
    """
    try:
        promoted, message = decide(candidate, baseline, metric, tolerance)
    except ProjectError as exc:
        raise fail(f"error: {exc}", 2) from None
    typer.echo(message)
    if not promoted:
        raise typer.Exit(1)
{%- if cookiecutter.serving == 'fastapi' %}


@app.command()
def drift(
    current: Annotated[Path, typer.Option(help="Recent inputs: jsonl, csv.")],
    reference: Annotated[Path | None, typer.Option()] = None,
    report: Annotated[Path | None, typer.Option()] = None,
    alpha: Annotated[float, typer.Option(min=0, max=1)] = 0.05,
    min_effect: Annotated[float, typer.Option(min=0)] = 0.1,
    min_rows: Annotated[int, typer.Option(min=1)] = 30,
    config: ConfigOption = None,
) -> None:
    """Compare recent inputs with the training data; exit 1 on drift.

    Exit status 2 when the check cannot run.
    """
    try:
        settings = load_config(config)
        reference = reference or settings.paths.processed_dir / TRAIN_FILE
        known = normalize_columns(read_csv(reference))
        target = settings.data.target
        features = [name for name in known.columns if name != target]
        result = check_drift(
            known,
            read_inputs(current),
            features,
            alpha,
            min_effect,
            min_rows,
        )
    except ProjectError as exc:
        raise fail(f"error: {exc}", 2) from None
    report = report or settings.paths.metrics.parent / "drift.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    typer.echo(result["message"])
    if result["drift"]:
        raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(envvar="HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT")] = 8000,
) -> None:
    """Serve the model over HTTP (see the serve module)."""
    uvicorn.run(
        f"{__package__}.serve:create_app",
        factory=True,
        host=host,
        port=port,
        log_config=log_config(Settings().log_level.upper()),
        access_log=False,
        proxy_headers=True,
        timeout_graceful_shutdown=10,
    )
{%- endif %}


def run() -> None:
    """Entry point: user errors become one line and exit status 1."""
    try:
        app()
    except ProjectError as exc:
        raise SystemExit(f"{__package__}: error: {exc}") from None
