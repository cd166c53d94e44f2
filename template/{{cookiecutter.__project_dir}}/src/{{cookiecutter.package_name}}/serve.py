"""HTTP API of the model: predictions, health, readiness and metrics.

Start it with ``make serve`` (the ``serve`` command). Endpoints:

- ``POST /predict``: one row as a JSON object, or ``{"instances": [rows]}``.
  The request schema is built from the model's input schema when the
  service starts: a missing feature, a wrong type or an unknown field gets
  422 and a message naming the field.
- ``GET /health``: liveness; ``GET /ready``: 200 once a model is loaded.
- ``GET /metrics``: Prometheus metrics (prometheus-fastapi-instrumentator,
  plus the model's: predictions, rows per request, version, readiness).

Environment: ``MODEL_PATH``, ``MODEL_METADATA_PATH`` (default: the ``.json``
next to the model), ``INPUT_LOG`` (JSON Lines file of served rows, for the
drift check), ``LOG_LEVEL``. Logs are JSON lines with the request id.
"""

import json
import logging
import re
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from asgi_correlation_id import CorrelationIdMiddleware, correlation_id
from asgi_correlation_id.log_filters import CorrelationIdFilter
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
)
from prometheus_fastapi_instrumentator import Instrumentator
from pydantic import (
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    create_model,
)
from pydantic_settings import BaseSettings

from . import __version__
from .errors import ModelError
from .predict import PREDICTION, LoadedModel, load_model

logger = logging.getLogger(__name__)

MAX_BATCH = 1000  # rows per request
MAX_BODY_BYTES = 10 * 1024 * 1024  # larger requests get 413
QUIET = frozenset({"/health", "/ready", "/metrics"})  # logged at DEBUG
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
SHAPE = 'expected a JSON object: a row, or {"instances": [rows]}'


class Settings(BaseSettings):
    """Where the service finds its model and logs the rows it serves."""

    model_path: Path = Path("models/model.joblib")
    model_metadata_path: Path | None = None
    input_log: Path | None = None
    log_level: str = "INFO"


class ModelMetrics:
    """The model's Prometheus metrics, next to the HTTP ones."""

    def __init__(self, registry: CollectorRegistry) -> None:
        """Create the metrics in ``registry`` (one per app)."""
        self.predictions = Counter(
            "model_predictions",
            "Predictions served, by predicted label (regression: 'value').",
            ["prediction"],
            registry=registry,
        )
        self.rows = Histogram(
            "model_request_rows",
            "Rows per prediction request.",
            buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
            registry=registry,
        )
        self.info = Info("model", "The model served.", registry=registry)
        self.ready = Gauge(
            "model_ready",
            "1 once a model is loaded.",
            registry=registry,
        )


def build_body(model: LoadedModel) -> Any:
    """The request body type: one row, or a batch of 1 to ``MAX_BATCH``."""
    fields: dict[str, Any] = {}
    for index, name in enumerate(model.feature_names):
        column = model.schema.columns[name]
        kind: Any = str | None
        if column.dtype is not None and "float" in str(column.dtype):
            kind = Annotated[float, Field(allow_inf_nan=False)] | None
        # Python names f0, f1... never clash with BaseModel attributes.
        fields[f"f{index}"] = (kind, Field(alias=name))
    strict = ConfigDict(extra="forbid")
    row = create_model("Features", __config__=strict, **fields)
    many = Annotated[list[row], Field(min_length=1, max_length=MAX_BATCH)]
    batch = create_model("Batch", __config__=strict, instances=(many, ...))
    return Annotated[
        Annotated[row, Tag("single")] | Annotated[batch, Tag("batch")],
        Discriminator(
            _shape,
            custom_error_type="invalid_body",
            custom_error_message=SHAPE,
        ),
    ]


def _shape(body: Any) -> str | None:
    """The tag of a request body: a batch, one row, or None (no object)."""
    if isinstance(body, dict):
        return "batch" if "instances" in body else "single"
    return None


def create_app(settings: Settings | None = None) -> FastAPI:
    """Create the service (uvicorn calls this factory).

    When the model cannot be loaded the service still starts: ``/health``
    answers, ``/ready`` and ``/predict`` return 503 with the reason.
    """
    settings = settings or Settings()
    app = FastAPI(title=f"{__package__} model API", version=__version__)
    registry = CollectorRegistry()
    Instrumentator(
        should_group_status_codes=False,
        excluded_handlers=["/metrics"],
        registry=registry,
    ).instrument(app).expose(app, include_in_schema=False)
    metrics = ModelMetrics(registry)
    _observe(app)
    metadata = settings.model_metadata_path
    try:
        model = load_model(
            settings.model_path,
            metadata or settings.model_path.with_suffix(".json"),
        )
    except ModelError as exc:
        logger.error("model not loaded: %s", exc)
        _unavailable(app, f"no model loaded: {exc}")
        return app
    estimator = str(model.metadata["estimator"])
    metrics.info.info({"version": model.version, "estimator": estimator})
    metrics.ready.set(1)
    log = InputLog(settings.input_log) if settings.input_log else None
    _serve(app, model, metrics, log)
    logger.info("serving model %s", model.version)
    return app


class InputLog:
    """Append served rows to a JSON Lines file, for the drift check."""

    def __init__(self, path: Path) -> None:
        """Remember the file; its folder is created when missing."""
        self.path, self._lock = path, threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, rows: list[dict[str, Any]], version: str) -> None:
        """Append rows with time, request id and model version."""
        meta = {
            "_time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "_request_id": correlation_id.get(),
            "_model_version": version,
        }
        text = "".join(json.dumps({**meta, **row}) + "\n" for row in rows)
        try:
            with self._lock, self.path.open("a", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:  # never fail a prediction for the log
            logger.warning("cannot write the input log %s: %s", self.path, exc)


def _serve(
    app: FastAPI,
    model: LoadedModel,
    metrics: ModelMetrics,
    log: InputLog | None,
) -> None:
    body = build_body(model)

    @app.get("/ready", tags=["operations"])
    def ready() -> dict[str, str]:
        """Readiness: a model is loaded."""
        return {"status": "ready", "model_version": model.version}

    @app.post("/predict", tags=["model"])
    def predict(payload: body) -> Any:  # type: ignore[valid-type]
        """Predict one row or a batch of rows."""
        rows = getattr(payload, "instances", None) or [payload]
        records = [row.model_dump(by_alias=True) for row in rows]
        frame = pd.DataFrame.from_records(records, columns=model.feature_names)
        # The request model enforced the saved schema; nulls make floats.
        frame = frame.astype(dict.fromkeys(model.numeric, float))
        result = model.predict(frame, checked=True)
        metrics.rows.observe(len(rows))
        labels = result[PREDICTION].tolist()
        for label in labels:
            shown = str(label) if model.classes else "value"
            metrics.predictions.labels(shown).inc()
        if log is not None:
            log.write(records, model.version)
        proba = result.drop(columns=[PREDICTION])
        proba.columns = [c.removeprefix("probability_") for c in proba]
        answers = [
            {
                PREDICTION: label,
                "probabilities": probabilities,
            }
            for label, probabilities in zip(
                labels,
                proba.to_dict("records"),
                strict=True,
            )
        ]
        return {"model_version": model.version, "predictions": answers}


def _unavailable(app: FastAPI, reason: str) -> None:
    @app.get("/ready", tags=["operations"])
    def not_ready() -> JSONResponse:
        """Readiness: no model could be loaded."""
        return JSONResponse({"status": "not ready", "reason": reason}, 503)

    @app.post("/predict", tags=["model"])
    def unavailable() -> JSONResponse:
        """No predictions without a model."""
        return _error(503, reason)


def _observe(app: FastAPI) -> None:
    """Request ids, one JSON log line per request, errors, ``/health``."""

    @app.middleware("http")
    async def log_request(request: Request, call_next: Any) -> Response:
        start = time.perf_counter()
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_BODY_BYTES:
            response: Response = _error(413, "request body too large")
        else:
            try:
                response = await call_next(request)
            except Exception:
                logger.exception("unhandled error")
                response = _error(500, "internal error")
        path = request.url.path
        logger.log(
            logging.DEBUG if path in QUIET else logging.INFO,
            "request",
            extra={
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - start) * 1000, 2),
            },
        )
        return response

    # Added last, so it runs first: the request id exists for the log line.
    app.add_middleware(
        CorrelationIdMiddleware,
        header_name="X-Request-ID",
        validator=lambda value: bool(REQUEST_ID.fullmatch(value)),
    )

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for error in exc.errors():
            loc = [str(part) for part in error["loc"]]
            if len(loc) > 1 and loc[1] in {"single", "batch"}:
                del loc[1]  # the tag of the body's union
            message = str(error["msg"])
            if error["type"] == "json_invalid":
                message += f": {error.get('ctx', {}).get('error', '')}"
            problems.append({"loc": ".".join(loc), "msg": message})
        listed = "; ".join(f"{p['loc']}: {p['msg']}" for p in problems[:5])
        more = len(problems) - 5
        listed += f" (and {more} more)" if more > 0 else ""
        return _error(422, f"invalid request: {listed}", detail=problems[:20])

    @app.get("/health", tags=["operations"])
    def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    content = {"message": message, "request_id": correlation_id.get(), **extra}
    return JSONResponse(content, status)


def log_config(level: str) -> dict[str, Any]:
    """Logging for uvicorn: JSON lines on stdout with the request id."""
    handler = {"handlers": ["stdout"], "level": level, "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": CorrelationIdFilter}},
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "rename_fields": {
                    "asctime": "time",
                    "levelname": "level",
                    "correlation_id": "request_id",
                },
            },
        },
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["request_id"],
                "stream": "ext://sys.stdout",
            },
        },
        "loggers": {
            "uvicorn": handler,
            "uvicorn.access": {"handlers": [], "propagate": False},
            str(__package__): handler,
        },
    }
