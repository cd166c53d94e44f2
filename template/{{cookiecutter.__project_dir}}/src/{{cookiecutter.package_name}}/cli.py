"""The command line: every command of the project, in one Typer app."""

from __future__ import annotations

import logging
{%- if cookiecutter.training_compute == 'cloud' %}
from enum import StrEnum
{%- endif %}
from pathlib import Path
from typing import Annotated

import typer
{%- if cookiecutter.serving == 'fastapi' %}
import uvicorn
{%- endif %}

from . import __version__
from .config import load_config
{%- if cookiecutter.serving == 'fastapi' %}
from .data import TRAIN_FILE, normalize_columns, read_csv, write_json
{%- endif %}
from .errors import ProjectError
from .evaluate import decide{% if cookiecutter.experiment_tracking == 'none' %}, load_champion{% endif %}
from .evaluate import evaluate as run_evaluate
{%- if cookiecutter.serving == 'fastapi' %}
from .monitoring import check_drift
{%- endif %}
from .predict import load_model, predict_file
{%- if cookiecutter.serving == 'fastapi' %}
from .serve import Settings, setup_logging
{%- endif %}
from .train import prepare
from .train import train as run_train

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False)
HELP = "Configuration file (default: configs/train.toml)."
ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help=HELP)]
DRY_RUN = "Decide only: move nothing."
{%- if cookiecutter.experiment_tracking == 'mlflow' %}
CHAMPION = "A models:/ URI or a model file (default: models:/<name>@champion)."
VERSION = "Make this registered version the champion (no comparison)."
{%- else %}
CHAMPION = "The champion's model file (default: models/champion/model.joblib)."
{%- endif %}
{%- if cookiecutter.training_compute == 'cloud' %}
ON = "local: here; cloud: a job on {{ {'azure': 'Azure Machine Learning', 'aws': 'SageMaker', 'gcp': 'Vertex AI'}[cookiecutter.cloud] }} (docs/training.md)."
OUTPUT = "Write model.joblib and model.json into this folder."
NO_TRACK = "Do not log to MLflow (what the job runs)."
DRY_RUN_JOB = "With --on cloud: print the job's request, submit nothing."
{%- endif %}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"{__package__} {__version__}")
        raise typer.Exit


@app.callback()
def main(
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
    version: Annotated[bool, typer.Option(callback=_version)] = False,
) -> None:
    """Train, evaluate and use the model (progress on stderr; -q: warnings)."""
    level = logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(message)s", force=True)


@app.command()
def data(config: ConfigOpt = None) -> None:
    """Load and check data.source; write the training and held-out splits."""
    prepare(load_config(config))
{%- if cookiecutter.training_compute == 'cloud' %}


class On(StrEnum):
    """Where `train` runs."""

    local = "local"
    cloud = "cloud"


@app.command()
def train(
    config: ConfigOpt = None,
    on: Annotated[On, typer.Option(help=ON)] = On.local,
    output: Annotated[Path | None, typer.Option(help=OUTPUT)] = None,
    no_track: Annotated[bool, typer.Option(help=NO_TRACK)] = False,
    dry_run: Annotated[bool, typer.Option(help=DRY_RUN_JOB)] = False,
) -> None:
    """Fit and save the model on the training split{% if cookiecutter.experiment_tracking == 'mlflow' %}; log it to MLflow{% endif %}."""
    settings = load_config(config)
    if on == On.cloud:
        if output is not None:
            raise typer.BadParameter("the job's model comes to paths.model")
        from .config import find_config
        from .jobs import submit

        file = config or find_config()
        submit(settings, file, track=not no_track, dry_run=dry_run)
        return
    if dry_run:
        raise typer.BadParameter("--dry-run shows the job: add --on cloud")
    if output is not None:  # the job's {output} folder
        names = {"model": "model.joblib", "metadata": "model.json"}
        files = {key: output / name for key, name in names.items()}
        paths = settings.paths.model_copy(update=files)
        settings = settings.model_copy(update={"paths": paths})
{%- if cookiecutter.experiment_tracking == 'mlflow' %}
    trained = run_train(settings)
    if not no_track:
        from .tracking import log_training  # MLflow is slow to import

        log_training(settings, trained)
{%- else %}
    run_train(settings)
{%- endif %}
{%- else %}


@app.command()
def train(config: ConfigOpt = None) -> None:
{%- if cookiecutter.experiment_tracking == 'mlflow' %}
    """Fit and save the model on the training split; log it to MLflow."""
    settings = load_config(config)
    trained = run_train(settings)
    from .tracking import log_training  # MLflow is slow to import

    log_training(settings, trained)
{%- else %}
    """Fit and save the model on the training split (see data)."""
    run_train(load_config(config))
{%- endif %}
{%- endif %}


@app.command()
def evaluate(config: ConfigOpt = None) -> None:
    """Score the held-out split; exit 1 when the quality gate fails."""
    report = run_evaluate(load_config(config))
    typer.echo(report["message"], err=not report["quality_gate"]["passed"])
    if not report["quality_gate"]["passed"]:
        raise typer.Exit(1)


@app.command()
def predict(
    source: Annotated[Path, typer.Option("--input", "-i", help="To score.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="To write.")],
    model: Annotated[Path | None, typer.Option("--model", "-m")] = None,
    config: ConfigOpt = None,
) -> None:
    """Add predictions to a CSV file (--model: its metadata is the .json)."""
    paths = load_config(config).paths
    metadata = model.with_suffix(".json") if model else paths.metadata
    predict_file(load_model(model or paths.model, metadata), source, output)


@app.command()
def promote(
    config: ConfigOpt = None,
    champion: Annotated[str | None, typer.Option(help=CHAMPION)] = None,
    dry_run: Annotated[bool, typer.Option(help=DRY_RUN)] = False,
{%- if cookiecutter.experiment_tracking == 'mlflow' %}
    version: Annotated[int | None, typer.Option(min=1, help=VERSION)] = None,
{%- endif %}
) -> None:
    """Exit 0 when the challenger (models/) replaces the champion, else 1."""
    settings = load_config(config)
{%- if cookiecutter.experiment_tracking == 'mlflow' %}
    from . import tracking  # MLflow is slow to import: only when used

    if version is not None:  # a reviewer approved this version
        typer.echo(f"promote: {tracking.set_champion(settings, version)}")
        return
    name = settings.tracking.registered_model
    source = champion or f"models:/{name}@{tracking.CHAMPION}"
    current = tracking.load_champion(source, tracking.tracking_uri(settings))
{%- else %}
    default = settings.paths.model.parent / "champion" / "model.joblib"
    current = load_champion(Path(champion) if champion else default)
{%- endif %}
    paths = settings.paths
    challenger = load_model(paths.model, paths.metadata)
    report = decide(settings, challenger, current)
{%- if cookiecutter.experiment_tracking == 'mlflow' %}
    if report["promote"] and not dry_run:
        version = tracking.registered_version(challenger)
        tracking.set_champion(settings, version)
{%- endif %}
    dry = " (dry run)" if dry_run and report["promote"] else ""
    typer.echo(report["message"] + dry)
    if not report["promote"]:
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
    config: ConfigOpt = None,
) -> None:
    """Compare recent inputs with the training data; exit 1 on drift."""
    settings = load_config(config)
    reference = reference or settings.paths.processed_dir / TRAIN_FILE
    known = normalize_columns(read_csv(reference))
    ignored = [settings.data.target, *settings.features.drop]  # not inputs
    known = known.drop(columns=ignored, errors="ignore")
    log = read_csv(current)  # the service's input log, or a CSV file
    recent = normalize_columns(log.filter(regex="^[^_]"))  # not _request_id...
    result = check_drift(known, recent, alpha, min_effect, min_rows)
    write_json(report or settings.paths.metrics.parent / "drift.json", result)
    typer.echo(result["message"])
    if result["drift"]:
        raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(envvar="HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT")] = 8000,
) -> None:
    """Serve the model over HTTP (see the serve module)."""
    setup_logging(Settings().log_level.upper())
    # Logs go through the root logger; the app logs each request itself.
    uvicorn.run(
        f"{__package__}.serve:create_app",
        factory=True,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )
{%- endif %}


def run() -> None:
    """Entry point; exit status 0: done, 1: a verdict, 2: a problem to fix."""
    try:
        app()
    except ProjectError as exc:  # bad configuration, data, model or report
        typer.echo(f"{__package__}: error: {exc}", err=True)
        raise SystemExit(2) from None
