"""Classification metrics, the same for training, CV and evaluation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.preprocessing import label_binarize

from .errors import DataError

#: Metrics a quality gate can use; all lie in [0, 1] and higher is better.
METRICS = (
    "roc_auc",
    "average_precision",
    "accuracy",
    "balanced_accuracy",
    "f1",
    "precision",
    "recall",
)
_BINARY = 2


def compute_metrics(
    y_true: Sequence[Any] | np.ndarray,
    proba: np.ndarray,
    classes: Sequence[Any],
) -> dict[str, float]:
    """Score predicted probabilities against the true labels.

    For two classes the second class (``classes[1]``) is the positive one. With
    more classes, ranking metrics are one-vs-rest and the others are averaged
    weighted by class frequency.

    Args:
        y_true: True labels.
        proba: Predicted probabilities, one column per class.
        classes: The class labels in the column order of ``proba``.

    Returns:
        Every metric of :data:`METRICS`, as plain floats.

    Raises:
        DataError: When the labels do not allow a score (e.g. a single class).
    """
    labels = np.asarray(classes)
    truth = np.asarray(y_true)
    predicted = labels[np.argmax(proba, axis=1)]
    try:
        if len(labels) == _BINARY:
            positive = labels[1]
            is_positive = truth == positive
            scores = {
                "roc_auc": roc_auc_score(is_positive, proba[:, 1]),
                "average_precision": average_precision_score(
                    is_positive,
                    proba[:, 1],
                ),
                "f1": f1_score(
                    truth,
                    predicted,
                    pos_label=positive,
                    zero_division=0,
                ),
                "precision": precision_score(
                    truth,
                    predicted,
                    pos_label=positive,
                    zero_division=0,
                ),
                "recall": recall_score(
                    truth,
                    predicted,
                    pos_label=positive,
                    zero_division=0,
                ),
            }
        else:
            scores = {
                "roc_auc": roc_auc_score(
                    truth,
                    proba,
                    multi_class="ovr",
                    average="weighted",
                    labels=labels,
                ),
                "average_precision": average_precision_score(
                    label_binarize(truth, classes=labels),
                    proba,
                    average="weighted",
                ),
                "f1": f1_score(
                    truth,
                    predicted,
                    average="weighted",
                    zero_division=0,
                ),
                "precision": precision_score(
                    truth,
                    predicted,
                    average="weighted",
                    zero_division=0,
                ),
                "recall": recall_score(
                    truth,
                    predicted,
                    average="weighted",
                    zero_division=0,
                ),
            }
    except ValueError as exc:
        msg = f"cannot compute metrics: {exc}"
        raise DataError(msg) from None
    scores["accuracy"] = accuracy_score(truth, predicted)
    scores["balanced_accuracy"] = balanced_accuracy_score(truth, predicted)
    return {name: round(float(scores[name]), 6) for name in METRICS}
