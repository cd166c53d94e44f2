"""Load test of the model API with locust: ``make loadtest``.

Start the service first (``make serve``). Each simulated user is one client
that sends its next request as soon as the previous one is answered, so
``USERS`` is the number of requests in flight: the quantity the autoscaling
rule of the infrastructure counts (``concurrent_requests``, see
docs/serving.md). Most requests score one row, some a batch of
``LOADTEST_BATCH`` rows; the rows come from the held-out split that training
wrote (``data/processed/test.csv``), so run ``make train`` before.

At the end the run fails (exit status 1) when any request failed or when
the 95th percentile of the response times exceeds ``LOADTEST_P95_MS``.

Environment variables: ``LOADTEST_DATA`` (CSV of rows to send),
``LOADTEST_METADATA`` (the model's metadata, for its feature names),
``LOADTEST_BATCH`` (rows per batch request, default 10),
``LOADTEST_P95_MS`` (latency target in milliseconds, default 100).
"""

import json
import logging
import os
from itertools import count
from pathlib import Path
from typing import Any

import pandas as pd
from locust import HttpUser, constant, events, task
from locust.env import Environment

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(
    os.environ.get("LOADTEST_DATA", ROOT / "data" / "processed" / "test.csv"),
)
METADATA = Path(
    os.environ.get("LOADTEST_METADATA", ROOT / "models" / "model.json"),
)
BATCH = int(os.environ.get("LOADTEST_BATCH", "10"))
P95_TARGET_MS = float(os.environ.get("LOADTEST_P95_MS", "100"))

logger = logging.getLogger(__name__)


def load_rows(data: Path, metadata: Path) -> list[dict[str, Any]]:
    """Rows of ``data`` as JSON objects with the model's features only."""
    features = json.loads(metadata.read_text(encoding="utf-8"))
    frame = pd.read_csv(data)[features["feature_names"]]
    return json.loads(frame.to_json(orient="records"))


ROWS = load_rows(DATA, METADATA)
_users = count()


class ModelClient(HttpUser):
    """A client that scores rows back to back (no think time)."""

    wait_time = constant(0)

    def on_start(self) -> None:
        """Give each user its own starting row, so users differ."""
        self.next_row = next(_users) * 7

    def _rows(self, size: int) -> list[dict[str, Any]]:
        start = self.next_row
        self.next_row += size
        return [ROWS[(start + i) % len(ROWS)] for i in range(size)]

    @task(9)
    def predict_one(self) -> None:
        """Score one row (most traffic)."""
        self.client.post(
            "/predict",
            json=self._rows(1)[0],
            name="/predict (1 row)",
        )

    @task(1)
    def predict_batch(self) -> None:
        """Score a batch of rows."""
        self.client.post(
            "/predict",
            json={"instances": self._rows(BATCH)},
            name=f"/predict ({BATCH} rows)",
        )


@events.quitting.add_listener
def check_targets(environment: Environment, **_: Any) -> None:
    """Fail the run on any failed request or a p95 above the target."""
    total = environment.stats.total
    p95 = total.get_response_time_percentile(0.95) or 0.0
    summary = (
        f"{total.num_requests} requests, {total.num_failures} failed, "
        f"{total.total_rps:.1f} req/s, p95 {p95:.0f} ms "
        f"(target {P95_TARGET_MS:.0f} ms)"
    )
    if total.num_requests == 0 or total.num_failures:
        logger.error("load test failed: %s", summary)
        environment.process_exit_code = 1
    elif p95 > P95_TARGET_MS:
        logger.error("load test missed the p95 target: %s", summary)
        environment.process_exit_code = 1
    else:
        logger.info("load test passed: %s", summary)
        environment.process_exit_code = 0
