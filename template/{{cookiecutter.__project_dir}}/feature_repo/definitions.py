"""The feature definitions `feast apply` registers (docs/features.md).

One entity (a row of the dataset, key ``entity_id``) and one feature view
over the processed features the data step writes. The view's features are
inferred from the file at `feast apply`: every column but the key and the
event timestamp, so a new column in the data is a new feature.
"""

from datetime import timedelta
from pathlib import Path

from feast import Entity, FeatureView, FileSource, ValueType

# The data step writes it (paths.processed_dir in configs/train.toml).
FEATURES_FILE = Path(__file__).parents[1] / "data/processed/features.parquet"
if not FEATURES_FILE.is_file():
    # `feast apply` imports this file: one line rather than pyarrow's traceback
    missing = f"feature view processed_features: its source {FEATURES_FILE}"
    raise SystemExit(f"{missing} is missing: run make data")

entity = Entity(
    name="entity",
    join_keys=["entity_id"],
    value_type=ValueType.INT64,
    description="A row of the dataset (the data step numbers the rows).",
)

processed_features_source = FileSource(
    name="processed_features_source",
    path=str(FEATURES_FILE),
    timestamp_field="event_timestamp",
)

processed_features = FeatureView(
    name="processed_features",
    entities=[entity],
    source=processed_features_source,
    # How long a value stays valid: point-in-time joins ignore older values,
    # and the first `materialize-incremental` loads the values of this period.
    ttl=timedelta(days=3650),
    online=True,
)
