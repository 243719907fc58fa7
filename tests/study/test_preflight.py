"""Pre-flight conditions of the data (issue 12, item 10): each one line naming its cause."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data_contracts import DataContractError
from study import preflight
from study.analysis_sample import assign_treatment
from study.spec import DEMO_STUDY_PATH, load_study

SPEC = load_study(DEMO_STUDY_PATH)
YEARS = range(2012, 2023)


def _sample(n_firms: int = 400, members: dict[int, int] | None = None, seed: int = 7,
            member_industry: str | None = None, member_entry: int | None = None
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A firm-year panel with random covariates and members in given entry cohorts.

    Firms enter over 2012-2015 (age varies), so nothing separates members by chance;
    ``member_entry`` makes every member enter in that year instead.
    """
    rng = np.random.default_rng(seed)
    members = {2016: 20, 2018: 20} if members is None else members
    firms = np.array([f"F{i:05d}" for i in range(n_firms)])
    cohorts = np.concatenate([np.full(k, g) for g, k in members.items()]) if members else np.array([], int)
    joiners = firms[: len(cohorts)]
    entry = rng.choice(np.arange(2012, 2016), size=n_firms)
    if member_entry is not None:
        entry[: len(cohorts)] = member_entry
    rows = pd.DataFrame({"enterprise_number": np.repeat(firms, len(YEARS)),
                         "year": np.tile(np.arange(YEARS.start, YEARS.stop), n_firms)})
    rows = rows[rows["year"] >= np.repeat(entry, len(YEARS))].reset_index(drop=True)
    rows["nace2"] = np.where(rows["enterprise_number"].str[-1].isin(list("01234")), "62", "10")
    rows["age"] = rows["year"] - rows.groupby("enterprise_number")["year"].transform("min")
    for col in ("log_fte", "log_capital"):
        rows[col] = rng.normal(size=len(rows))
    rows["fte"] = np.exp(rows["log_fte"])
    if member_industry is not None:
        rows.loc[rows["enterprise_number"].isin(joiners), "nace2"] = member_industry
    timing = pd.DataFrame({"enterprise_number": joiners, "first_join_year": cohorts.astype(np.int64),
                           "first_clusters": "VIL", "clusters": "VIL", "n_clusters": 1})
    return rows, timing


def _problems(panel: pd.DataFrame, timing: pd.DataFrame, spec=SPEC) -> list[str]:
    sample = assign_treatment(panel, timing)
    return [str(p) for p in preflight.study_conditions(sample, spec, members_listed=len(timing))]


def test_a_sound_sample_has_no_problem():
    assert _problems(*_sample()) == []


def test_no_firm_treated():
    panel, timing = _sample()
    timing["first_join_year"] = 2011  # every member joined before the window: no pre-membership year
    assert _problems(panel, timing) == [
        "membership: no firm is treated: none of the 40 member companies listed has a firm-year in the sample "
        "before joining (40 joined in or before their first observed year)"]


def test_every_firm_treated():
    panel, _ = _sample(n_firms=60)
    firms = panel["enterprise_number"].unique()
    timing = pd.DataFrame({"enterprise_number": firms, "first_join_year": 2017 + np.arange(len(firms)) % 3,
                           "first_clusters": "SIM", "clusters": "SIM", "n_clusters": 1})
    (problem,) = _problems(panel, timing)
    assert problem.startswith("membership: every firm in the sample (")
    assert problem.endswith("is a member company: the design compares members with firms that never joined, "
                            "and there are none")


def test_members_only_in_an_industry_without_non_members():
    panel, timing = _sample(member_industry="30")
    assert _problems(panel, timing) == [
        "membership: the members' industries (30) hold no firm that never joined: membership cannot be told "
        "apart from industry (industry effects, exact matching on nace2)"]
    # One industry shared with non-members is fine.
    assert _problems(*_sample(member_industry="62")) == []


def test_too_few_members_for_disclosure():
    panel, timing = _sample(members={2016: 4, 2018: 3})
    assert _problems(panel, timing) == [
        "membership: only 7 member companies have a firm-year in the sample before joining; disclosure control "
        "(disclosure.min_firms = 10) could publish no estimate"]


def test_event_times_without_members():
    panel, timing = _sample(members={2016: 20, 2017: 20})
    spec = SPEC.model_copy(update={"did": SPEC.did.model_copy(update={"leads": 4, "lags": 8})})
    # The window ends in 2022: members of 2016 are seen up to 6 years after joining.
    (problem,) = _problems(panel, timing, spec)
    assert problem.startswith("did.lags: no member firm-year at event time(s) 7, 8 (members are observed from ")
    assert problem.endswith(" to 6 years around joining); reduce did.leads/did.lags")
    spec = SPEC.model_copy(update={"did": SPEC.did.model_copy(update={"leads": 6, "lags": 6})})
    (problem,) = _problems(panel, timing, spec)
    assert problem.startswith("did.leads: no member firm-year at event time(s) -6")


def test_the_8000_firm_separation_on_censored_age():
    # The cause of the 8,000-firm demo crash (SeparationError ... 'age'): age counts
    # years since the firm's first filing *in the data*, so it is censored at the
    # window's first year and most incumbents share the largest value. With few
    # members per cohort, every member of a cohort can sit at that value: age alone
    # then separates members from controls (quasi-complete separation), and the
    # matcher refused the whole study after minutes of compute.
    panel, timing = _sample(members={2016: 15}, member_entry=2012)
    (problem,) = _problems(panel, timing)
    assert problem.startswith("matching.covariates: cohort 2016: all 15 members have age 3, the controls' maximum (")
    assert problem.endswith(", 0 to 3, in 2015): age alone separates members from controls and the propensity "
                            "score is not identified; drop age from matching.covariates or use more member firms")
    without_age = SPEC.model_copy(update={"matching": SPEC.matching.model_copy(
        update={"covariates": ("log_fte", "log_capital")})})
    assert _problems(panel, timing, without_age) == []


def test_separation_by_a_combination_shows_in_the_matchers_own_fit():
    panel, timing = _sample()
    # Each covariate overlaps between members and controls; their sum separates them.
    rng = np.random.default_rng(3)
    members = panel["enterprise_number"].isin(timing["enterprise_number"]).to_numpy()
    u = rng.uniform(-3, 3, len(panel))
    panel["log_fte"] = u
    panel["log_capital"] = np.where(members, 1.0 - u + rng.uniform(0.1, 1, len(panel)),
                                    1.0 - u - rng.uniform(0.1, 1, len(panel)))
    # Cohort 2018's members are not-yet-member controls of cohort 2016, which is thus not separated.
    (problem,) = _problems(panel, timing)
    assert problem.startswith("matching.covariates: cohort 2018: the propensity score of 20 members against ")
    assert "cannot be fitted (perfect separation" in problem


def test_missing_tfp_covariates_are_skipped_before_tfp_exists():
    panel, timing = _sample()
    sample = assign_treatment(panel, timing)
    assert "log_tfp" in SPEC.matching.covariates and "log_tfp" not in sample.columns
    assert preflight.matching_conditions(sample, SPEC.matching) == []


def test_all_members_missing_a_covariate():
    panel, timing = _sample()
    panel.loc[panel["enterprise_number"].isin(timing["enterprise_number"]), "log_capital"] = np.nan
    problems = _problems(panel, timing)
    assert problems[0] == ("matching.covariates: cohort 2016: no members left at baseline 2015 once rows with a "
                           "missing log_fte, log_capital, age, nace2 are dropped")


def test_empty_sample_names_the_main_exclusion():
    panel, timing = _sample()
    exclusions = pd.DataFrame({"reason": ["region_not_kept"] * 5 + ["fte_below_minimum"] * 2})
    sample = assign_treatment(panel.iloc[:0], timing)
    problems = preflight.study_conditions(sample, SPEC, exclusions=exclusions)
    assert [str(p) for p in problems] == [
        "sample: no firm-year passes the sample rules (most left out by region_not_kept: 5 firm-years)"]


def test_problems_raise_one_capped_line():
    problems = [preflight.Problem("membership", "x" * 400), preflight.Problem("did.leads", "y" * 400)]
    with pytest.raises(preflight.StudyConditionError) as info:
        preflight.raise_for_problems(problems, stage="test")
    message = str(info.value)
    assert isinstance(info.value, DataContractError) and "\n" not in message
    assert message.startswith("the data cannot support this study (test): membership: xxx")
    assert len(message) == preflight.StudyConditionError.max_chars and message.endswith("…")
    preflight.raise_for_problems([], stage="test")  # nothing to say, nothing raised
