from __future__ import annotations

from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.config import find_config, load_config
from {{ cookiecutter.package_name }}.errors import ConfigError

from tests.conftest import write_project


def test_project_config_loads_with_paths_inside_the_project(
    config_path: Path,
) -> None:
    config = load_config(config_path)
    assert config.paths.model.is_relative_to(config_path.parents[1])
    assert len(config.digest) == 64
    assert find_config(config_path.parent) == config_path


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        ({"test_size": "1.5"}, "data.test_size: Input should be less than 1"),
        ({"estimator": '"svm"'}, "estimator 'svm' does not exist"),
        ({"cv_folds": "1"}, "cv_folds must be 0 (off) or at least 2"),
        ({"metric": '"f2"'}, "'f2' is not a scikit-learn scorer"),
        ({"task": '"ranking"'}, "model.task: Input should be"),
        ({"threshold": '"high"'}, "quality_gate.threshold: Input should be"),
    ],
)
def test_bad_values_give_one_line_naming_the_key(
    tmp_path: Path,
    edit: dict[str, str],
    expected: str,
) -> None:
    with pytest.raises(ConfigError, match=r"train\.toml: ") as error:
        load_config(write_project(tmp_path, edit))
    assert expected in str(error.value)
    assert "\n" not in str(error.value)


def test_unknown_keys_missing_files_and_bad_toml(tmp_path: Path) -> None:
    config_path = write_project(tmp_path)
    text = config_path.read_text(encoding="utf-8")
    config_path.write_text(text + "\n[extra]\nx = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="extra: Extra inputs"):
        load_config(config_path)
    config_path.write_text("[data\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(config_path)
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "none.toml")
    with pytest.raises(ConfigError, match=r"no configs/train\.toml"):
        find_config(Path("/"))


def test_environment_variables_override_the_file(
    config_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prefix = load_config.__module__.partition(".")[0].upper()
    monkeypatch.setenv(f"{prefix}_QUALITY_GATE__THRESHOLD", "0.5")
    monkeypatch.setenv(f"{prefix}_MODEL__CV_FOLDS", "0")
    config = load_config(config_path)
    assert (config.quality_gate.threshold, config.model.cv_folds) == (0.5, 0)
