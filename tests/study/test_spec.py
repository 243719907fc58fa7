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


# --- issue 12, item 10: what the study file alone shows is refused on load, one line per key ---

def _errors(tmp_path: Path, body: str, inputs: str = "inputs: {demo: {seed: 1}}\n") -> list[str]:
    path = _write(tmp_path, "name: x\n" + inputs + body + "\n")
    with pytest.raises(StudySpecError) as info:
        load_study(path)
    lines = str(info.value).splitlines()
    assert lines[0] == f"{path}: invalid study specification"
    return [line.strip() for line in lines[1:]]


@pytest.mark.parametrize(("body", "expected"), [
    ("matching: {caliper: -1}", "matching.caliper: must be > 0 (standard deviations of the distance) or null"),
    ("matching: {caliper: 0}", "matching.caliper: must be > 0"),
    ("matching: {ratio: 1000}", "matching.ratio: must be between 1 and 10 controls per member, got 1000"),
    ("matching: {ratio: 0}", "matching.ratio: must be between 1 and 10"),
    ("did: {leads: 1}", "did.leads: must be at least 2: the event study's reference year is -1"),
    ("did: {leads: 100}", "did.leads: must be at most 12: the sample's years 2012-2024 leave at most 12 years"),
    ("did: {lags: 100}", "did.lags: must be at most 11"),
    ("did: {lags: -1}", "did.lags: must be >= 0"),
    ("did: {control_groups: []}", "did.control_groups: must name at least one control group"),
    ("sample: {first_year: 2024, last_year: 2012}",
     "sample.last_year: must not be before sample.first_year (2024), got 2012"),
    ("sample: {first_year: 1850}", "sample.first_year: must be a year in 1990-2100"),
    ("sample: {min_fte: -5}", "sample.min_fte: must be > 0 (firms without employees have no log FTE), got -5.0"),
    ("sample: {min_fte: 0}", "sample.min_fte: must be > 0"),
    ("sample: {first_year: 2010}", "sample.first_year: must not be before inputs.demo.first_year (2012)"),
    ("sample: {last_year: 2030}", "sample.last_year: must not be after inputs.demo.last_year (2024)"),
    ("matching: {covariates: [log_tfp, sales_growth]}",
     "matching.covariates: not a covariate of the analysis sample: sales_growth (choose from va_nominal"),
    ("matching: {covariates: [treated]}", "matching.covariates: not a covariate of the analysis sample: treated"),
    ("matching: {covariates: []}", "matching.covariates: must name at least one covariate"),
    ("matching: {exact: [sector]}", "matching.exact: not a category of the analysis sample: sector"),
])
def test_file_knowable_errors_name_key_and_rule(tmp_path, body, expected):
    errors = _errors(tmp_path, body)
    assert len(errors) == 1 and errors[0].startswith(expected), errors


def test_demo_years_are_checked_against_each_other_and_the_generator(tmp_path):
    assert _errors(tmp_path, "", "inputs: {demo: {first_year: 2024, last_year: 2012}}\n") == [
        "inputs.demo.last_year: must not be before inputs.demo.first_year (2024), got 2012"]
    errors = _errors(tmp_path, "sample: {first_year: 2018}", "inputs: {demo: {first_year: 2018}}\n")
    assert errors == ["inputs.demo: the demo generator refuses these inputs: first_year 2018 and last_year 2024 "
                      "must start before 2017 and end after it"]


def test_leads_and_lags_follow_the_sample_window(tmp_path):
    path = _write(tmp_path, "name: x\ninputs: {demo: {seed: 1}}\nsample: {first_year: 2014, last_year: 2020}\n"
                            "did: {leads: 6, lags: 5}\n")
    assert load_study(path).did.leads == 6
    assert _errors(tmp_path, "sample: {first_year: 2014, last_year: 2020}\ndid: {leads: 7}") == [
        "did.leads: must be at most 6: the sample's years 2014-2020 leave at most 6 years before joining, got 7"]


def test_every_matching_covariate_is_a_column_of_the_analysis_sample():
    import numpy as np
    import pandas as pd

    import data_contracts as dc
    from study.analysis_sample import (
        DERIVED_COLUMNS, EXACT_MATCHING_VARIABLES, MATCHING_COVARIATES, TFP_COLUMNS, TREATMENT_COLUMNS,
        build_analysis_panel,
    )

    panel = pd.DataFrame({c.name: np.zeros(4) for c in dc.PANEL_COLUMNS})
    panel = panel.assign(enterprise_number=["a", "a", "b", "b"], year=[2018, 2019, 2018, 2019], nace2="62")
    tfp = panel[["enterprise_number", "year"]].assign(**{c: 0.0 for c in TFP_COLUMNS})
    timing = pd.DataFrame({"enterprise_number": ["a"], "first_join_year": [2019], "first_clusters": ["VIL"],
                           "clusters": ["VIL"], "n_clusters": [1]})
    columns = set(build_analysis_panel(panel, tfp, timing).columns)
    assert set(MATCHING_COVARIATES) | set(EXACT_MATCHING_VARIABLES) <= columns
    assert set(TREATMENT_COLUMNS) | set(DERIVED_COLUMNS) <= columns
    assert not set(MATCHING_COVARIATES) & set(TREATMENT_COLUMNS)
    assert set(load_study(DEMO_STUDY_PATH).matching.covariates) <= set(MATCHING_COVARIATES)


# --- issue 12, item 3: disclosure floors refused, weaker-than-default thresholds recorded ---

def test_disclosure_switched_off_is_refused(tmp_path):
    errors = _errors(tmp_path, "disclosure: {min_firms: 1, dominance_top2_share: 1.0, p_percent: 0, "
                               "min_residual_df: 1}")
    assert [e.split(":")[0] for e in errors] == ["disclosure.min_firms", "disclosure.dominance_top2_share",
                                                 "disclosure.p_percent", "disclosure.min_residual_df"]
    assert errors[0].startswith("disclosure.min_firms: must be >= 4: NBB's research data hub forbids")
    assert errors[1].startswith("disclosure.dominance_top2_share: must be in (0, 0.95]")
    assert errors[2].startswith("disclosure.p_percent: must be >= 0.05")
    assert errors[3].startswith("disclosure.min_residual_df: must be >= 5")
    assert _errors(tmp_path, "disclosure: {min_firms: 3}")[0].endswith("got 3")


def test_weaker_than_default_thresholds_are_allowed_and_listed(tmp_path):
    from study.spec import DISCLOSURE_FLOORS, DisclosureSpec, weaker_disclosure_thresholds

    assert weaker_disclosure_thresholds(load_study(DEMO_STUDY_PATH)) == ()
    path = _write(tmp_path, "name: x\ninputs: {demo: {seed: 1}}\n"
                            "disclosure: {min_firms: 5, dominance_top2_share: 0.9, p_percent: 0.2}\n")
    weaker = weaker_disclosure_thresholds(load_study(path))
    assert [(w.key, w.value, w.default) for w in weaker] == [
        ("disclosure.min_firms", 5, 10), ("disclosure.dominance_top2_share", 0.9, 0.85)]  # p = 0.2 is stricter
    assert weaker[0].note == ("disclosure.min_firms = 5 is weaker than the study design's 10 "
                              "(less protection of single firms).")
    # The floors themselves are accepted (and weaker than the defaults).
    floors = DisclosureSpec(**{k: v[0] for k, v in DISCLOSURE_FLOORS.items()})
    assert len(weaker_disclosure_thresholds(floors)) == 4
    stricter = DisclosureSpec(min_firms=20, dominance_top2_share=0.5, p_percent=0.25, min_residual_df=30)
    assert weaker_disclosure_thresholds(stricter) == ()
