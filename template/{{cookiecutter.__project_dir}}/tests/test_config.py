from __future__ import annotations

from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.config import (
    find_config,
    load_config,
    project_root,
)
from {{ cookiecutter.package_name }}.errors import (
    ConfigError,
)

from tests.conftest import PROJECT_CONFIG, PROJECT_ROOT


def test_project_config_is_valid() -> None:
    config = load_config(PROJECT_CONFIG)
    assert config.paths.model == PROJECT_ROOT / "models" / "model.joblib"
    assert config.paths.metrics.is_absolute()
    assert 0.0 < config.gate.threshold <= 1.0
    assert len(config.digest) == 64


def test_relative_paths_resolve_against_the_project_root(
    config_path: Path,
    tmp_path: Path,
) -> None:
    config = load_config(config_path)
    assert config.paths.processed_dir == tmp_path / "data" / "processed"


def test_project_root_is_the_folder_with_pyproject(tmp_path: Path) -> None:
    (tmp_path / "configs").mkdir()
    assert project_root(tmp_path / "configs") == tmp_path / "configs"
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    assert project_root(tmp_path / "configs") == tmp_path


def test_find_config_searches_parent_folders(
    config_path: Path,
    tmp_path: Path,
) -> None:
    nested = tmp_path / "notebooks" / "deeper"
    nested.mkdir(parents=True)
    assert find_config(nested) == config_path.resolve()


def test_find_config_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no configs/train\.toml in"):
        find_config(tmp_path)


def test_digest_changes_with_the_content(config_path: Path) -> None:
    before = load_config(config_path).digest
    text = config_path.read_text(encoding="utf-8")
    config_path.write_text(
        text.replace("random_state = 42", "random_state = 7"),
        "utf-8",
    )
    assert load_config(config_path).digest != before


MINIMAL = """
[data]
source = "data.csv"
target = "Label"

[model]
estimator = "logistic_regression"

[quality_gate]
metric = "roc_auc"
threshold = 0.8
"""


def test_minimal_config_gets_defaults(tmp_path: Path) -> None:
    path = tmp_path / "minimal.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    config = load_config(path)
    assert config.data.target == "label"  # normalised like the columns
    assert config.data.source == str(tmp_path / "data.csv")
    assert not config.data.is_builtin
    assert config.data.test_size == 0.2
    assert config.model.cv_folds == 5
    assert config.features.ratios == {}
    assert config.paths.model == tmp_path / "models" / "model.joblib"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("[data]", "[data]\nsauce = 1"), "unknown key(s) in [data]: sauce"),
        (
            ('[model]\nestimator = "logistic_regression"', ""),
            "no [model] section",
        ),
        (('target = "Label"', "target = 3"), "data.target must be a string"),
        (
            ('source = "data.csv"', 'source = " "'),
            "data.source must not be empty",
        ),
        (('target = "Label"', 'target = "-"'), "is not a usable column name"),
        (
            ('target = "Label"', 'target = "y"\ntest_size = 1.5'),
            "data.test_size",
        ),
        (
            ('target = "Label"', 'target = "y"\nrandom_state = true'),
            "an integer",
        ),
        (('"logistic_regression"', '"xgboost"'), "model.estimator 'xgboost'"),
        (
            ('"logistic_regression"', '"random_forest"\ncv_folds = 1'),
            "cv_folds",
        ),
        (
            ('"logistic_regression"', '"random_forest"\nrandom_forest = 3'),
            "a table",
        ),
        (
            ('metric = "roc_auc"', 'metric = "mse"'),
            "quality_gate.metric 'mse'",
        ),
        (("threshold = 0.8", "threshold = -1"), "between 0 and 1"),
        (("threshold = 0.8", ""), "quality_gate.threshold is required"),
        (("[data]", "paths = 1\n[data]"), "[paths] must be a table"),
        (
            ("[model]", "[features]\nratios = {r = ['a']}\n[model]"),
            "[numerator, denominator]",
        ),
        (
            ("[model]", "[other]\n[model]"),
            "unknown key(s) in the config: other",
        ),
        (("[data]", "[data"), "is not valid TOML"),
    ],
)
def test_invalid_configs_are_explained(
    tmp_path: Path,
    change: tuple[str, str],
    message: str,
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(MINIMAL.replace(*change, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as excinfo:
        load_config(path)
    assert message in str(excinfo.value)


def test_ratio_names_are_normalised(tmp_path: Path) -> None:
    path = tmp_path / "ratios.toml"
    extra = '[features.ratios]\n"Area Ratio" = ["Mean Area", "Perimeter"]\n'
    path.write_text(MINIMAL + extra, encoding="utf-8")
    ratios = load_config(path).features.ratios
    assert ratios == {"area_ratio": ("mean_area", "perimeter")}


def test_unreadable_config_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path)  # a folder, not a file
