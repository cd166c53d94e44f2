"""The model's HTTP API (docs/serving.md); settings from the environment."""

import json
import logging
import re
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from asgi_correlation_id import CorrelationIdMiddleware, correlation_id
from asgi_correlation_id.log_filters import CorrelationIdFilter
from fastapi import Body, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import Counter, Gauge, Histogram, Info
from prometheus_fastapi_instrumentator import Instrumentator
from pydantic import ConfigDict, Discriminator, Field, Tag, create_model
{%- if cookiecutter.feature_store == 'feast' %}
from pydantic.main import BaseModel
{%- endif %}
from pydantic_settings import BaseSettings
from pythonjsonlogger.json import JsonFormatter

from . import __version__
from .errors import {% if cookiecutter.experiment_tracking == 'mlflow' %}ModelError, {% endif %}ProjectError
from .predict import PREDICTION, LoadedModel, load_model

logger = logging.getLogger(__name__)

MAX_BATCH = 1000  # rows per request
MAX_BODY_BYTES = 10 * 1024 * 1024  # larger requests get 413
QUIET = frozenset({"/health", "/ready", "/metrics"})  # logged at DEBUG
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
SHAPE = 'expected a JSON object: a row, or {"instances": [rows]}'
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
RENAMED = {
    "asctime": "time",
    "levelname": "level",
    "correlation_id": "request_id",
}
INPUT_LOG_LOCK = threading.Lock()  # requests are served by several threads

# The model's metrics, next to the instrumentator's HTTP ones, in the default
# registry: one service per process. Regressions count under label "value".
PREDICTIONS = Counter("model_predictions", "Predictions.", ["prediction"])
BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
ROWS = Histogram("model_request_rows", "Rows per request.", buckets=BUCKETS)
MODEL = Info("model", "The model served.")
READY = Gauge("model_ready", "1 once a model is loaded.")


class Settings(BaseSettings):
    """Where the service finds its model and logs the rows it serves."""
{%- if cookiecutter.experiment_tracking == 'mlflow' %}

    # MODEL_URI, e.g. models:/<name>@champion: the registry's model (the
    # store of tracking.tracking_uri()); else the files of MODEL_PATH.
    model_uri: str | None = None
{%- endif %}

    model_path: Path = Path("models/model.joblib")
    model_metadata_path: Path | None = None
    input_log: Path | None = None
    log_level: str = "INFO"
{%- if cookiecutter.feature_store == 'feast' %}


class EntityRequest(BaseModel, extra="forbid"):
    """POST /predict/entity: the id whose online features are scored."""

    entity_id: int  # feature_repo/definitions.py: the entity's join key
{%- endif %}


def build_body(model: LoadedModel) -> Any:
    """The request body type: one row, or a batch of 1 to ``MAX_BATCH``."""
    fields: dict[str, Any] = {}
    for index, name in enumerate(model.feature_names):
        kind: Any = str | None
        if "float" in str(model.schema.columns[name].dtype):
            kind = Annotated[float, Field(allow_inf_nan=False)] | None
        # Python names f0, f1... never clash with BaseModel attributes.
        fields[f"f{index}"] = (kind, Field(alias=name))
    strict = ConfigDict(extra="forbid")
    row = create_model("Features", __config__=strict, **fields)
    many = Annotated[list[row], Field(min_length=1, max_length=MAX_BATCH)]
    batch = create_model("Batch", __config__=strict, instances=(many, ...))
    tagged = Annotated[row, Tag("single")] | Annotated[batch, Tag("batch")]
    shape = Discriminator(
        _shape,
        custom_error_type="invalid_body",
        custom_error_message=SHAPE,
    )
    return Annotated[tagged, shape]


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
    Instrumentator(
        should_group_status_codes=False,
        excluded_handlers=["/metrics"],
    ).instrument(app).expose(app, include_in_schema=False)
    _observe(app)
    try:
        model: LoadedModel | None = _load(settings)
    except ProjectError as exc:  # e.g. no model, no tracking store
        logger.error("model not loaded: %s", exc)
        model, reason = None, f"no model loaded: {exc}"
    READY.set(model is not None)
    body = build_body(model) if model else Annotated[Any, Body()]
    if settings.input_log:
        settings.input_log.parent.mkdir(parents=True, exist_ok=True)

    @app.get("/ready", tags=["operations"])
    def ready() -> Any:
        """Readiness: 200 once a model is loaded, else 503 and the reason."""
        if model is None:
            return JSONResponse({"status": "not ready", "reason": reason}, 503)
        return {"status": "ready", "model_version": model.version}

    @app.post("/predict", tags=["model"])
    def predict(payload: body) -> Any:  # type: ignore[valid-type]
        """Predict one row or a batch of rows."""
        if model is None:
            return _error(503, reason)
        rows = getattr(payload, "instances", None) or [payload]
        records = [row.model_dump(by_alias=True) for row in rows]
        frame = pd.DataFrame.from_records(records, columns=model.feature_names)
        result = model.predict(frame, valid=True)
        labels = result.pop(PREDICTION).tolist()
        ROWS.observe(len(rows))
        for label in labels:
            PREDICTIONS.labels(str(label) if model.classes else "value").inc()
        if settings.input_log:
            log_inputs(settings.input_log, records, model.version)
        proba = result.rename(columns=lambda c: c.removeprefix("probability_"))
        pairs = zip(labels, proba.to_dict("records"), strict=True)
        answers = [{PREDICTION: y, "probabilities": p} for y, p in pairs]
        return {"model_version": model.version, "predictions": answers}

{%- if cookiecutter.feature_store == 'feast' %}

    # The feature store (docs/features.md): the features of an entity id.
    from .feature_store import current_store, online_row  # Feast: slow import

    try:  # the raw-feature API serves even without a store (e.g. an image)
        store, unavailable = current_store(), ""
    except Exception as exc:  # no feature_store.yaml, or a bad one
        logger.error("feature store not opened: %s", exc)
        store, unavailable = None, f"no feature store: {exc}"

    @app.post("/predict/entity", tags=["model"])
    def predict_entity(request: EntityRequest) -> Any:
        """Predict for an entity id, its features from the online store."""
        if model is None:
            return _error(503, reason)
        if store is None:
            return _error(503, unavailable)
        key = request.entity_id
        row = online_row(current_store(), key, model.feature_names)
        if row is None:
            unknown = "no online features (unknown id, or run make features)"
            return _error(404, f"entity_id {key}: {unknown}")
        frame = pd.DataFrame.from_records([row], columns=model.feature_names)
        result = model.predict(frame)
        label = result.pop(PREDICTION).tolist()[0]
        ROWS.observe(1)
        PREDICTIONS.labels(str(label) if model.classes else "value").inc()
        if settings.input_log:
            log_inputs(settings.input_log, [row], model.version)
        proba = result.rename(columns=lambda c: c.removeprefix("probability_"))
        answer = {PREDICTION: label, "probabilities": proba.iloc[0].to_dict()}
        return {
            "model_version": model.version,
            "entity_id": key,
            "predictions": [answer],
        }
{%- endif %}

    if model is not None:
        estimator = str(model.metadata["estimator"])
        MODEL.info({"version": model.version, "estimator": estimator})
        logger.info("serving model %s", model.version)
    return app


def _load(settings: Settings) -> LoadedModel:
    """The model to serve: from the registry (MODEL_URI) or from files."""
{%- if cookiecutter.experiment_tracking == 'mlflow' %}
    if settings.model_uri:
        from .tracking import load_registered, tracking_uri  # MLflow: slow

        found = load_registered(settings.model_uri, tracking_uri())
        if found is None:
            raise ModelError(f"{settings.model_uri}: the alias is not set")
        return found
{%- endif %}
    default = settings.model_path.with_suffix(".json")
    metadata = settings.model_metadata_path or default
    return load_model(settings.model_path, metadata)


def log_inputs(path: Path, rows: list[dict[str, Any]], version: str) -> None:
    """Append served rows to a JSON Lines file, for the drift check."""
    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    meta = {"_time": now, "_request_id": correlation_id.get()}
    meta["_model_version"] = version
    text = "".join(json.dumps({**meta, **row}) + "\n" for row in rows)
    try:
        with INPUT_LOG_LOCK, path.open("a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:  # never fail a prediction for the log
        logger.warning("cannot write the input log %s: %s", path, exc)


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
        path, status = request.url.path, response.status_code
        extra = {"method": request.method, "path": path, "status": status}
        extra["duration_ms"] = round((time.perf_counter() - start) * 1000, 2)
        level = logging.DEBUG if path in QUIET else logging.INFO
        logger.log(level, "request", extra=extra)
        return response

    # Added last, so it runs first: the request id exists for the log line.
    app.add_middleware(
        CorrelationIdMiddleware,
        header_name="X-Request-ID",
        validator=lambda value: bool(REQUEST_ID.fullmatch(value)),
    )

    @app.get("/health", tags=["operations"])
    def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}


def _error(status: int, message: str) -> JSONResponse:
    content = {"message": message, "request_id": correlation_id.get()}
    return JSONResponse(content, status)


def setup_logging(level: str) -> None:
    """Log JSON lines with the request id to stdout, uvicorn's logs too."""
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(CorrelationIdFilter())
    handler.setFormatter(JsonFormatter(LOG_FORMAT, rename_fields=RENAMED))
    logging.basicConfig(level=level, handlers=[handler], force=True)
