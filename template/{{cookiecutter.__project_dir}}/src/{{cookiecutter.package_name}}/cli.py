"""Command line interface with the subcommands train, evaluate and predict.

User errors (bad configuration, missing files, a failed quality gate) end with
one line on stderr and exit status 1, never with a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .config import load_config
from .errors import ProjectError, QualityGateError
from .evaluate import enforce_quality_gate, evaluate
from .predict import load_model, predict_file
from .train import train

if TYPE_CHECKING:
    from collections.abc import Sequence

PROG = "{{ cookiecutter.package_name }}"
MODEL_HELP = """model file (default: paths.model of the configuration); its
metadata is the .json file next to it"""
_PACKAGE_LOGGER = logging.getLogger(__name__.partition(".")[0])


def _run_train(args: argparse.Namespace) -> int:
    train(load_config(args.config))
    return 0


def _run_evaluate(args: argparse.Namespace) -> int:
    result = evaluate(load_config(args.config))
    enforce_quality_gate(result.gate)
    print(result.gate.message)
    return 0


def _run_predict(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if args.model is None:
        model = load_model(config.paths.model, config.paths.metadata)
    else:
        model = load_model(args.model, args.model.with_suffix(".json"))
    predict_file(model, args.input, args.output)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Create the argument parser with its three subcommands."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-c",
        "--config",
        type=Path,
        default=None,
        help="configuration file (default: configs/train.toml)",
    )
    common.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="only print warnings and errors",
    )

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Train, evaluate and use the model of this project.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {__version__}",
    )
    commands = parser.add_subparsers(
        dest="command",
        required=True,
        metavar="COMMAND",
    )

    train_cmd = commands.add_parser(
        "train",
        parents=[common],
        help="fit the model on the training split and save it",
        description="Load and split the data, fit and save the model.",
    )
    train_cmd.set_defaults(handler=_run_train)

    evaluate_cmd = commands.add_parser(
        "evaluate",
        parents=[common],
        help="score the held-out split and apply the quality gate",
        description=(
            "Compute metrics on the held-out split, write them to the metrics "
            "report and exit with status 1 when the quality gate fails."
        ),
    )
    evaluate_cmd.set_defaults(handler=_run_evaluate)

    predict_cmd = commands.add_parser(
        "predict",
        parents=[common],
        help="add predictions to a CSV file",
        description="Score every row of a CSV file, add the predictions.",
    )
    predict_cmd.add_argument(
        "-i",
        "--input",
        type=Path,
        required=True,
        help="CSV file to score",
    )
    predict_cmd.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="CSV file to write",
    )
    predict_cmd.add_argument(
        "-m",
        "--model",
        type=Path,
        default=None,
        help=MODEL_HELP,
    )
    predict_cmd.set_defaults(handler=_run_predict)
    return parser


def _configure_logging(quiet: bool) -> None:
    """Send the package's log lines to stderr (replacing earlier handlers)."""
    for handler in list(_PACKAGE_LOGGER.handlers):
        _PACKAGE_LOGGER.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    _PACKAGE_LOGGER.addHandler(handler)
    _PACKAGE_LOGGER.setLevel(logging.WARNING if quiet else logging.INFO)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit status.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` by default.
    """
    args = build_parser().parse_args(argv)
    _configure_logging(args.quiet)
    try:
        return args.handler(args)
    except QualityGateError as exc:
        print(exc, file=sys.stderr)
    except ProjectError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    return 1
