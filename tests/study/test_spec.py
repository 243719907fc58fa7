from pathlib import Path

import pytest

from study.spec import DEMO_STUDY_PATH, StudySpecError, load_study, study_sha256


def test_demo_study_loads_with_documented_defaults():
    spec = load_study(DEMO_STUDY_PATH)
    assert spec.name == "demo"
    assert spec.inputs.demo is not None and spec.inputs.files is None
    assert spec.tfp.method == "acf"
    assert spec.disclosure.min_firms == 10
    assert len(study_sha256(DEMO_STUDY_PATH)) == 64


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "study.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_key_is_an_error_with_its_path(tmp_path):
    path = _write(tmp_path, "name: x\ninputs: {demo: {seed: 1}}\ntfp: {methd: acf}\n")
    with pytest.raises(StudySpecError, match=r"tfp\.methd"):
        load_study(path)


def test_wrong_type_is_an_error_with_its_path(tmp_path):
    path = _write(tmp_path, "name: x\ninputs: {demo: {seed: one}}\n")
    with pytest.raises(StudySpecError, match=r"inputs\.demo\.seed"):
        load_study(path)


def test_exactly_one_input_source(tmp_path):
    path = _write(tmp_path, "name: x\ninputs: {}\n")
    with pytest.raises(StudySpecError, match="exactly one of inputs.demo or inputs.files"):
        load_study(path)


def test_missing_file_and_non_mapping(tmp_path):
    with pytest.raises(StudySpecError, match="not found"):
        load_study(tmp_path / "nope.yaml")
    with pytest.raises(StudySpecError, match="mapping"):
        load_study(_write(tmp_path, "- a\n- b\n"))
