"""HTTP API of the model: predictions, health, readiness and metrics.

Start it with ``make serve`` (or ``python -m`` and this module's name); it
listens on ``HOST``:``PORT`` (127.0.0.1:8000 by default). Endpoints:

- ``POST /predict``: one row of features as a JSON object, or a batch as
  ``{"instances": [row, ...]}``. The request schema is built from the model's
  features when the service starts, so a missing feature, a wrong type or an
  unknown field is answered with 422 and a message naming the field.
- ``GET /health``: liveness, 200 as long as the process answers.
- ``GET /ready``: readiness, 200 once a model is loaded, 503 otherwise.
- ``GET /metrics``: Prometheus metrics (requests, latency, predictions and
  the model version).

Environment variables: ``MODEL_PATH`` (default ``models/model.joblib``),
``MODEL_METADATA_PATH`` (default: the ``.json`` file next to the model),
``INPUT_LOG`` (a JSON Lines file to which every served row is appended, for
the drift check; unset: no log), ``LOG_LEVEL`` (default ``INFO``). Logs are
JSON lines on stdout, one per request, with its request id.
"""

import argparse
import json
import logging
import os
import re
import threading
import time
import uuid
from collections import Counter as Tally
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Self

import numpy as np
import pandas as pd
import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    create_model,
)

from . import __version__
from .errors import DataError, ModelError
from .predict import LoadedModel, load_model

logger = logging.getLogger(__name__)

APP = f"{__package__}.serve:create_app"
DEFAULT_MODEL = Path("models") / "model.joblib"
DEFAULT_METADATA = DEFAULT_MODEL.with_suffix(".json")
MAX_BATCH = 1000  # rows per request
MAX_BODY_BYTES = 10 * 1024 * 1024  # larger requests get 413
MAX_ERRORS = 20  # validation errors returned per request
REQUEST_ID_HEADER = "X-Request-ID"
LATENCY_BUCKETS = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.075,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
)
ROW_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
QUIET_PATHS = frozenset({"/health", "/ready", "/metrics"})  # logged at DEBUG
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_TAGS = frozenset({"single", "batch"})  # union tags, dropped from error locs
_LISTED = 5  # validation errors summarised in the message
_SHAPE_HELP = 'expected a JSON object: a row, or {"instances": [rows]}'
NUMBER = "number"


@dataclass(frozen=True)
class Settings:
    """Where the service finds its model and logs the inputs it serves."""

    model_path: Path = DEFAULT_MODEL
    metadata_path: Path = DEFAULT_METADATA
    input_log: Path | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        """Read the settings from environment variables (see the module)."""
        env = os.environ if environ is None else environ
        model = Path(env.get("MODEL_PATH") or DEFAULT_MODEL)
        metadata = env.get("MODEL_METADATA_PATH") or model.with_suffix(".json")
        log = env.get("INPUT_LOG")
        return cls(model, Path(metadata), Path(log) if log else None)


class Prediction(BaseModel):
    """The prediction for one row."""

    prediction: int | float | str | bool = Field(
        description="predicted class label",
    )
    probabilities: dict[str, float] = Field(
        description="probability of each class label",
    )


class PredictResponse(BaseModel):
    """Predictions in the order of the rows sent."""

    model_version: str
    predictions: list[Prediction]


class Metrics:
    """The service's Prometheus metrics, in a registry of their own."""

    def __init__(self) -> None:
        """Create the metrics (a registry per app keeps tests independent)."""
        disable_created_metrics()  # no *_created series: less noise
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        self.requests = Counter(
            "http_requests",
            "HTTP requests by method, route and status code.",
            ["method", "path", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route.",
            ["method", "path"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.predictions = Counter(
            "model_predictions",
            "Predictions served, by predicted class label.",
            ["prediction"],
            registry=self.registry,
        )
        self.rows = Histogram(
            "model_request_rows",
            "Rows per prediction request.",
            buckets=ROW_BUCKETS,
            registry=self.registry,
        )
        self.model = Info(
            "model",
            "The model being served (version and estimator).",
            registry=self.registry,
        )
        self.ready = Gauge(
            "model_ready",
            "1 when a model is loaded and predictions are served, else 0.",
            registry=self.registry,
        )

    def render(self) -> bytes:
        """The metrics in Prometheus' text format."""
        return generate_latest(self.registry)


class InputLog:
    """Append served rows to a JSON Lines file, for the drift check.

    Each line holds one row's features plus ``_time``, ``_request_id`` and
    ``_model_version``. Rotate or ship the file with your log tooling.
    """

    def __init__(self, path: Path) -> None:
        """Remember the file; its folder is created when missing."""
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    def write(
        self,
        rows: Sequence[Mapping[str, Any]],
        request_id: str,
        model_version: str,
    ) -> None:
        """Append rows; a failed write is logged, never raised."""
        meta = {
            "_time": _utc_now(),
            "_request_id": request_id,
            "_model_version": model_version,
        }
        text = "".join(json.dumps({**meta, **row}) + "\n" for row in rows)
        try:
            with self._lock, self.path.open("a", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            logger.warning("cannot write the input log %s: %s", self.path, exc)


class JsonFormatter(logging.Formatter):
    """Format log records as one JSON object per line.

    Fields passed as ``extra={"fields": {...}}`` are added to the object.

    Example:
        >>> record = logging.makeLogRecord({"msg": "hi", "levelname": "INFO"})
        >>> json.loads(JsonFormatter().format(record))["message"]
        'hi'
    """

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a JSON string."""
        entry: dict[str, Any] = {
            "time": _utc_now(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def feature_kinds(model: LoadedModel) -> dict[str, str]:
    """Each feature's kind, ``number`` or ``string``, from the metadata.

    Models trained before the metadata recorded kinds have numbers only.
    """
    declared = model.metadata.get("feature_types", {})
    return {name: declared.get(name, NUMBER) for name in model.feature_names}


def build_schemas(model: LoadedModel) -> tuple[type[BaseModel], Any]:
    """Build the request schemas from the model's features.

    Returns:
        The model of one row (one field per feature, named as the feature)
        and the annotated type of a request body: one row, or a batch
        ``{"instances": [row, ...]}`` of 1 to ``MAX_BATCH`` rows.
    """
    fields: dict[str, Any] = {}
    for index, (name, kind) in enumerate(feature_kinds(model).items()):
        annotation: Any = str | None
        if kind == NUMBER:
            annotation = Annotated[float, Field(allow_inf_nan=False)] | None
        description = f"a {kind}; null when missing (imputed as in training)"
        # Python names f0, f1, ... never clash with BaseModel attributes.
        field = Field(alias=name, description=description)
        fields[f"f{index}"] = (annotation, field)
    strict = ConfigDict(extra="forbid")
    row = create_model("Features", __config__=strict, **fields)
    batch = create_model(
        "Batch",
        __config__=strict,
        instances=(
            Annotated[
                list[row],  # type: ignore[valid-type]
                Field(min_length=1, max_length=MAX_BATCH),
            ],
            ...,
        ),
    )
    body = Annotated[
        Annotated[row, Tag("single")] | Annotated[batch, Tag("batch")],
        Discriminator(
            _body_shape,
            custom_error_type="invalid_body",
            custom_error_message=_SHAPE_HELP,
        ),
    ]
    return row, body


def create_app(settings: Settings | None = None) -> FastAPI:
    """Create the service; uvicorn calls this factory (``--factory``).

    The model is loaded here. When it cannot be loaded the service still
    starts: ``/health`` answers, ``/ready`` and ``/predict`` return 503 with
    the reason, so the platform keeps it out of rotation.
    """
    settings = settings or Settings.from_env()
    metrics = Metrics()
    app = FastAPI(
        title=f"{__package__} model API",
        description="Predictions of the model; see docs/serving.md.",
        version=__version__,
    )
    app.state.metrics = metrics
    try:
        model: LoadedModel | None = load_model(
            settings.model_path,
            settings.metadata_path,
        )
    except ModelError as exc:
        model, problem = None, str(exc)
        logger.error("model not loaded: %s", problem)
    app.state.model = model
    _add_observability(app, metrics)
    if model is None:
        _add_unavailable_routes(app, problem)
        return app
    metrics.model.info(
        {
            "version": model.version,
            "estimator": str(model.metadata.get("estimator", "unknown")),
        },
    )
    metrics.ready.set(1)
    input_log = InputLog(settings.input_log) if settings.input_log else None
    _add_model_routes(app, model, metrics, input_log)
    logger.info(
        "serving model %s",
        model.version,
        extra={"fields": {"model_version": model.version}},
    )
    return app


# ------------------------------------------------------------------ routes


def _add_observability(app: FastAPI, metrics: Metrics) -> None:
    """Request ids, JSON request logs, metrics, errors, /health, /metrics."""

    @app.middleware("http")
    async def observe(
        request: Request,
        call_next: Callable[[Request], Awaitable[Response]],
    ) -> Response:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        valid = _REQUEST_ID.fullmatch(given)
        request_id = given if valid else uuid.uuid4().hex
        request.state.request_id = request_id
        start = time.perf_counter()
        if _too_large(request):
            response: Response = _error(
                413,
                f"request body larger than {MAX_BODY_BYTES} bytes",
                request_id,
            )
        else:
            try:
                response = await call_next(request)
            except Exception:
                logger.exception(
                    "unhandled error",
                    extra={"fields": {"request_id": request_id}},
                )
                response = _error(500, "internal error", request_id)
        elapsed = time.perf_counter() - start
        route = request.scope.get("route")
        path = getattr(route, "path", "other")  # bounded label values
        metrics.requests.labels(
            request.method,
            path,
            str(response.status_code),
        ).inc()
        metrics.latency.labels(request.method, path).observe(elapsed)
        response.headers[REQUEST_ID_HEADER] = request_id
        logger.log(
            logging.DEBUG if path in QUIET_PATHS else logging.INFO,
            "request",
            extra={
                "fields": {
                    "request_id": request_id,
                    "method": request.method,
                    "path": request.url.path,
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 2),
                },
            },
        )
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(
        request: Request,
        exc: RequestValidationError,
    ) -> JSONResponse:
        problems = [_describe(error) for error in exc.errors()]
        lines = [f"{p['loc']}: {p['msg']}" for p in problems[:_LISTED]]
        listed = "; ".join(lines)
        hidden = len(problems) - _LISTED
        more = f" (and {hidden} more)" if hidden > 0 else ""
        return JSONResponse(
            status_code=422,
            content={
                "message": f"invalid request: {listed}{more}",
                "detail": problems[:MAX_ERRORS],
                "request_id": request.state.request_id,
            },
        )

    @app.get("/health", tags=["operations"])
    def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    def prometheus_metrics() -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)


def _add_model_routes(
    app: FastAPI,
    model: LoadedModel,
    metrics: Metrics,
    input_log: InputLog | None,
) -> None:
    _, body_type = build_schemas(model)
    kinds = feature_kinds(model)
    numeric = [name for name, kind in kinds.items() if kind == NUMBER]
    keys = [str(label) for label in model.classes.tolist()]

    @app.get("/ready", tags=["operations"])
    def ready() -> dict[str, str]:
        """Readiness: a model is loaded and predictions are served."""
        return {"status": "ready", "model_version": model.version}

    @app.post(
        "/predict",
        response_model=PredictResponse,
        tags=["model"],
        responses={
            422: {"description": "the request does not fit the schema"},
        },
    )
    def predict(
        payload: body_type,  # type: ignore[valid-type]
        request: Request,
    ) -> Any:
        """Predict the class of one row or of a batch of rows."""
        rows = getattr(payload, "instances", None) or [payload]
        records = [row.model_dump(by_alias=True) for row in rows]
        frame = _frame(records, model.feature_names, numeric)
        try:
            proba = model.predict_proba(frame)
        except DataError as exc:
            return _error(422, str(exc), request.state.request_id)
        labels = model.classes[np.argmax(proba, axis=1)].tolist()
        metrics.rows.observe(len(rows))
        for label, count in Tally(str(label) for label in labels).items():
            metrics.predictions.labels(label).inc(count)
        if input_log is not None:
            input_log.write(records, request.state.request_id, model.version)
        return {
            "model_version": model.version,
            "predictions": [
                {
                    "prediction": label,
                    "probabilities": dict(
                        zip(keys, row.tolist(), strict=True),
                    ),
                }
                for label, row in zip(labels, proba, strict=True)
            ],
        }


def _add_unavailable_routes(app: FastAPI, problem: str) -> None:
    reason = f"no model loaded: {problem}"

    @app.get("/ready", tags=["operations"], status_code=503)
    def not_ready() -> JSONResponse:
        """Readiness: no model could be loaded."""
        return JSONResponse(
            status_code=503,
            content={"status": "not ready", "reason": reason},
        )

    @app.post("/predict", tags=["model"])
    def unavailable(request: Request) -> JSONResponse:
        """No predictions without a model."""
        return _error(503, reason, request.state.request_id)


# ----------------------------------------------------------------- helpers


def _body_shape(value: Any) -> str | None:
    """Tag of a request body: a batch, one row, or None (not an object)."""
    if isinstance(value, dict):
        return "batch" if "instances" in value else "single"
    return None


def _describe(error: Mapping[str, Any]) -> dict[str, str]:
    """A validation error as location, message and type, without the input."""
    loc = [str(part) for part in error["loc"]]
    if len(loc) > 1 and loc[1] in _TAGS:  # the tag of the body's union
        del loc[1]
    message = str(error["msg"])
    detail = error.get("ctx", {}).get("error")
    if detail and error["type"] == "json_invalid":
        message = f"{message}: {detail}"
    return {"loc": ".".join(loc), "msg": message, "type": str(error["type"])}


def _frame(
    records: list[dict[str, Any]],
    columns: list[str],
    numeric: list[str],
) -> pd.DataFrame:
    """Rows as a frame; numeric columns holding nulls become floats."""
    frame = pd.DataFrame.from_records(records, columns=columns)
    loose = [name for name in numeric if frame[name].dtype == object]
    return frame.astype(dict.fromkeys(loose, float)) if loose else frame


def _error(status: int, message: str, request_id: str) -> JSONResponse:
    return JSONResponse(
        status_code=status,
        content={"message": message, "request_id": request_id},
    )


def _too_large(request: Request) -> bool:
    length = request.headers.get("content-length", "")
    return length.isdigit() and int(length) > MAX_BODY_BYTES


def _utc_now(timestamp: float | None = None) -> str:
    moment = datetime.fromtimestamp(
        time.time() if timestamp is None else timestamp,
        UTC,
    )
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --------------------------------------------------------------------- main


def log_config(level: str) -> dict[str, Any]:
    """Logging set-up for uvicorn: JSON lines on stdout, no access log.

    The service logs every request itself, with its request id.
    """
    handler = {"handlers": ["stdout"], "level": level, "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            },
        },
        "loggers": {
            "uvicorn": handler,
            "uvicorn.access": {"handlers": [], "propagate": False},
            str(__package__): handler,
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the service with uvicorn and return the exit status.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` by default.
    """
    parser = argparse.ArgumentParser(
        prog=f"python -m {__package__}.serve",
        description="Serve the model over HTTP (see the module docstring).",
    )
    parser.add_argument(
        "--host",
        default=os.environ.get("HOST", "127.0.0.1"),
        help="address to listen on (default: $HOST or 127.0.0.1)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT", "8000")),
        help="port to listen on (default: $PORT or 8000)",
    )
    args = parser.parse_args(argv)
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    uvicorn.run(
        APP,
        factory=True,
        host=args.host,
        port=args.port,
        log_config=log_config(level),
        access_log=False,
        proxy_headers=True,
        timeout_graceful_shutdown=10,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
