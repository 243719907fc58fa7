"""A study the data cannot support stops before estimation, with one line (issue 12, item 10).

The attack: ``inputs.demo.n_firms: 8000`` crashed in matching with ``SeparationError
... 'age'`` after minutes of compute and a 150-line traceback. The pre-flight check on
the firm-year panel now stops the run before any production function is estimated.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import yaml

from cluster_impact.runner import run_study
from pipelines.definitions import defs
from pipelines.defs.resources import default_resources
from study.preflight import StudyConditionError
from study.spec import DEMO_STUDY_PATH

ESTIMATION = {"production_function_estimates", "firm_tfp", "elasticities_by_estimator", "analysis_panel",
              "matched_panel", "twfe_did", "callaway_santanna", "event_study"}


@pytest.fixture(scope="module")
def study_8000(tmp_path_factory) -> Path:
    spec = yaml.safe_load(DEMO_STUDY_PATH.read_text(encoding="utf-8"))
    spec["name"] = "demo_8000"
    spec["inputs"]["demo"]["n_firms"] = 8000
    path = tmp_path_factory.mktemp("study") / "demo_8000.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def test_blocking_check_stops_the_run_before_estimation(study_8000, tmp_path):
    d = defs()
    resources = default_resources(study_file=str(study_8000), publish_dir=str(tmp_path / "out"),
                                  storage_dir=str(tmp_path / "storage"), data_dir=str(tmp_path / "data"))
    selection = dg.AssetSelection.all() - dg.AssetSelection.groups("yearly_ingest")
    result = dg.materialize([*d.assets, *d.asset_checks], selection=selection, resources=resources,
                            raise_on_error=False)
    assert not result.success
    done = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "firm_year_panel" in done and not done & ESTIMATION, done & ESTIMATION
    (failure,) = result.get_step_failure_events()
    assert failure.step_key == "firm_year_panel_study_conditions_before_estimation"
    error = failure.event_specific_data.error.cause  # Dagster wraps the check's own error
    assert error.cls_name == "StudyConditionError"
    assert error.message.startswith(
        "study.preflight.StudyConditionError: the data cannot support this study (firm-year panel, before "
        "production functions): matching.covariates: cohort 2017: all 15 members have age 4, the controls' "
        "maximum (")


def test_the_runner_raises_the_one_line(study_8000, tmp_path):
    with pytest.raises(StudyConditionError) as info:
        run_study(study_8000, tmp_path / "out", storage_dir=tmp_path / "storage")
    message = str(info.value)
    assert "\n" not in message and len(message) <= StudyConditionError.max_chars
    assert "drop age from matching.covariates or use more member firms" in message
    assert not (tmp_path / "storage" / "assets" / "firm_tfp.parquet").exists()
