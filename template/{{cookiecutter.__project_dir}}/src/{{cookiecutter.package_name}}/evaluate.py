"""Score the model, apply the quality gate, decide on a retrained model."""

from __future__ import annotations

import logging
import warnings
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    is_classifier,
)
from sklearn.metrics import check_scoring, get_scorer
from sklearn.utils.metaestimators import available_if

from .data import TEST_FILE, features_target, read_csv, write_json
from .errors import DataError
from .models import REPORTED
from .predict import LoadedModel, load_model

if TYPE_CHECKING:
    from pathlib import Path

    from sklearn.pipeline import Pipeline

    from .config import Config

logger = logging.getLogger(__name__)
SAME = ("data_hash", "code_hash")  # equal for both: the same model


def reported_metrics(config: Config, target: pd.Series) -> list[str]:
    """The metrics to report for this task and target, gate metric first."""
    kind: str = config.model.task
    if kind == "classification":
        kind = "binary" if target.nunique() <= 2 else "multiclass"
    return list(dict.fromkeys([config.quality_gate.metric, *REPORTED[kind]]))


def score(
    pipeline: Pipeline,
    features: pd.DataFrame,
    target: pd.Series,
    metrics: list[str],
) -> dict[str, float]:
    """Each metric (a scikit-learn scorer name) of ``pipeline`` on the data."""
    try:
        scorer = check_scoring(pipeline, scoring=metrics)
        scores = scorer(pipeline, features, target)
    except (AttributeError, ValueError) as exc:  # a metric of another task
        names = ", ".join(metrics)
        raise DataError(f"cannot compute {names}: {exc}") from None
    return {name: round(float(value), 6) for name, value in scores.items()}


def evaluate(config: Config) -> dict[str, Any]:
    """Score the saved model on the held-out split; write the report.

    The report (``paths.metrics``) is written whether or not the gate
    passes, so that a failing run can be inspected.
    """
    model = load_model(config.paths.model, config.paths.metadata)
    held_out = read_csv(config.paths.processed_dir / TEST_FILE)
    features, target = features_target(held_out, config)
    inputs = model.check(features)
    metrics = reported_metrics(config, target)
    scores = score(model.pipeline, inputs, target, metrics)
    gate = config.quality_gate
    value = scores[gate.metric]
    passed = value >= gate.threshold
    verdict = "passed" if passed else "failed"
    compared = f"{value:.4f} {'>=' if passed else '<'} {gate.threshold:.4f}"
    result = {**gate.model_dump(), "value": value, "passed": passed}
    report = {
        "model_version": model.version,
        "evaluated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "n_samples": len(held_out),
        "metrics": scores,
        "quality_gate": result,
        "message": f"quality gate {verdict}: {gate.metric} {compared}",
    }
    write_json(config.paths.metrics, report)
    logger.info("wrote %s", config.paths.metrics)
    return report


def load_champion(path: Path) -> LoadedModel | None:
    """The champion bundle at ``path`` (metadata: the .json beside it).

    None when nothing is there: nothing is in production yet.
    """
    if not path.exists():
        return None
    return load_model(path, path.with_suffix(".json"))


def decide(
    config: Config,
    challenger: LoadedModel,
    champion: LoadedModel | None,
) -> dict[str, Any]:
    """Whether the challenger replaces the champion, and why: a report.

    Both are scored on the same current held-out split with the gate's
    metric. The challenger must beat the champion by more than 0 and by at
    least ``promotion.min_improvement``; a paired bootstrap's confidence
    interval of the difference is reported, not used. A model with the
    champion's data and code hashes is not promoted: it is the same model.
    """
    metric, rules = config.quality_gate.metric, config.promotion
    held_out = read_csv(config.paths.processed_dir / TEST_FILE)
    features, target = features_target(held_out, config)
    scorer, truth = get_scorer(metric), target.to_numpy()

    def gate_score(model: LoadedModel) -> tuple[Replay, float]:
        outputs = replay(model.pipeline, model.check(features))  # once
        try:
            value = scorer(outputs, np.arange(len(truth)), truth)
        except (AttributeError, ValueError) as exc:  # as in score()
            raise DataError(f"cannot compute {metric}: {exc}") from None
        return outputs, round(float(value), 6)

    outputs, new = gate_score(challenger)
    report: dict[str, Any] = {
        "metric": metric,
        "n_samples": len(held_out),
        "min_improvement": rules.min_improvement,
        "challenger": _summary(challenger, new),
        "champion": None,
    }
    if champion is None:
        verdict, promote = "first model", True
        message = f"promote: {metric} {new:.4f}, first model (no champion)"
    elif all(_same(key, challenger, champion) for key in SAME):
        verdict, promote = "unchanged", False
        line = f"same data and code as {champion.version}"
        message = f"keep champion: unchanged: {line}"
    else:
        champion_outputs, old = gate_score(champion)
        change = new - old
        interval = bootstrap(config, (outputs, champion_outputs), truth)
        promote = change > 0 and change >= rules.min_improvement
        verdict = "promote" if promote else "keep champion"
        compared = f"{metric} {new:.4f} vs champion {old:.4f}"
        message = f"{verdict}: {compared} {_change(config, change, interval)}"
        report |= {
            "champion": _summary(champion, old),
            "difference": change,
            "confidence_interval": interval,
            "confidence": rules.confidence,
        }
    report |= {"verdict": verdict, "promote": promote, "message": message}
    write_json(config.paths.metrics.parent / "promotion.json", report)
    return report


def _same(key: str, one: LoadedModel, other: LoadedModel) -> bool:
    """Whether both models recorded the same, known value of ``key``."""
    value = one.metadata.get(key)
    return value is not None and value == other.metadata.get(key)


def _change(config: Config, change: float, interval: Any) -> str:
    """``(+0.0011, 95% CI -0.0020..+0.0045), margin 0.0000``."""
    rules = config.promotion
    ci = ""
    if interval:
        low, high = interval
        share = f"{rules.confidence * 100:.0f}%"
        ci = f", {share} CI {low:+.4f}..{high:+.4f}"
    return f"({change:+.4f}{ci}), margin {rules.min_improvement:.4f}"


def bootstrap(
    config: Config,
    models: tuple[Replay, Replay],
    truth: np.ndarray,
) -> list[float] | None:
    """Paired bootstrap interval of the metric's difference (None: off).

    Each resample draws held-out rows with replacement and scores both
    models on the same rows, from their outputs computed once.
    """
    rules, scorer = config.promotion, get_scorer(config.quality_gate.metric)
    if rules.bootstrap == 0:
        return None
    rng = np.random.default_rng(config.data.random_state)
    differences = []
    with warnings.catch_warnings():  # e.g. a resample with one class only
        warnings.simplefilter("ignore")
        for _ in range(rules.bootstrap):
            pick = rng.choice(len(truth), len(truth))  # row numbers
            scores = [scorer(m, pick, truth[pick]) for m in models]
            differences.append(scores[0] - scores[1])
    finite = np.asarray(differences)[np.isfinite(differences)]
    if finite.size == 0:
        return None
    tail = (1 - rules.confidence) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return [round(float(low), 6), round(float(high), 6)]


def _has(method: str) -> Any:
    return lambda replayed: method in replayed.outputs


class Replay(BaseEstimator):  # type: ignore[misc]
    """A model's outputs on the held-out rows, looked up by row number.

    Scorers call it with a resample's row numbers: the model predicts once,
    not once per resample.
    """

    def __init__(self, outputs: dict[str, Any]) -> None:
        """``outputs``: method name -> its output for every held-out row."""
        self.outputs = outputs

    def predict(self, rows: Any) -> Any:
        """The predictions of these rows."""
        return self.outputs["predict"][rows]

    @available_if(_has("predict_proba"))  # type: ignore[untyped-decorator]
    def predict_proba(self, rows: Any) -> Any:
        """The class probabilities of these rows."""
        return self.outputs["predict_proba"][rows]

    @available_if(_has("decision_function"))  # type: ignore[untyped-decorator]
    def decision_function(self, rows: Any) -> Any:
        """The decision function of these rows."""
        return self.outputs["decision_function"][rows]


class ReplayClassifier(ClassifierMixin, Replay):  # type: ignore[misc]
    """Scorers treat it as the classifier it replays."""


class ReplayRegressor(RegressorMixin, Replay):  # type: ignore[misc]
    """Scorers treat it as the regressor it replays."""


def replay(pipeline: Pipeline, inputs: pd.DataFrame) -> Replay:
    """The pipeline's outputs on ``inputs``, for scoring resamples."""
    outputs: dict[str, Any] = {}
    for name in ("predict", "predict_proba", "decision_function"):
        if hasattr(pipeline, name):
            outputs[name] = np.asarray(getattr(pipeline, name)(inputs))
    if not is_classifier(pipeline):
        return ReplayRegressor(outputs)
    replayed = ReplayClassifier(outputs)
    replayed.classes_ = pipeline.classes_
    return replayed


def _summary(model: LoadedModel, value: float) -> dict[str, Any]:
    """What the promotion report says of one model."""
    keys = ("data_hash", "code_hash", "trained_at"{% if cookiecutter.experiment_tracking == 'mlflow' %}, "mlflow"{% endif %})
    found = {key: model.metadata[key] for key in keys if key in model.metadata}
    return {"model_version": model.version, "score": value, **found}
