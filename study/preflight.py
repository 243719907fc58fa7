"""Pre-flight checks: conditions of the data that would stop the study's estimators.

The study file's validator (:mod:`study.spec`) refuses what can be known from the
file alone. What depends on the data is checked here, on the sample the estimators
will see, before they run: a study whose data cannot support its design stops with
one line naming the cause instead of a traceback after minutes of compute.

The checks run twice in a study (``pipelines/defs/panel/checks.py`` and
``pipelines/defs/tfp/checks.py``): on the firm-year panel with treatment timing,
before any production function is estimated (TFP columns are not there yet, so the
matching checks use the covariates that are), and on the analysis sample, before
matching and difference-in-differences. The second sample is a subset of the first
(firm TFP drops firm-years, never adds them), so a problem found on the first is
never a false alarm.

Every function is pure: data and the study specification in, a list of
:class:`Problem` out (empty when the study can run).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_contracts import DataContractError
from matching import MatchingError, propensity_score
from study.analysis_sample import FIRM, YEAR
from study.spec import DidSpec, MatchingSpec, StudySpec

COHORT = "first_join_year"


class StudyConditionError(DataContractError):
    """The data cannot support the study's design (one line naming the cause)."""

    max_chars = 600  # room for a second problem; still one line


@dataclass(frozen=True)
class Problem:
    """One condition that stops the study: the key it concerns and what is wrong."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


def raise_for_problems(problems: list[Problem], *, stage: str) -> None:
    """Raise :class:`StudyConditionError` with every problem on one (capped) line."""
    if problems:
        raise StudyConditionError(
            f"the data cannot support this study ({stage}): " + "; ".join(str(p) for p in problems))


def _n(value: int) -> str:
    return f"{value:,}"


def sample_conditions(sample: pd.DataFrame, spec: StudySpec, *, members_listed: int | None = None,
                      exclusions: pd.DataFrame | None = None) -> list[Problem]:
    """Treated and control firms: someone treated, someone not, enough members.

    Parameters
    ----------
    sample : DataFrame
        Firm-years with treatment timing (:func:`study.analysis_sample.assign_treatment`
        or :func:`study.analysis_sample.build_analysis_panel`).
    spec : StudySpec
    members_listed : int, optional
        Member companies in the membership lists (for the message when none is treated).
    exclusions : DataFrame, optional
        The panel's sample exclusions (``reason`` per firm-year), to name the main
        reason when no firm-year is left.
    """
    if sample.empty:
        reason = ""
        if exclusions is not None and len(exclusions):
            top = exclusions["reason"].value_counts()
            reason = f" (most left out by {top.index[0]}: {_n(int(top.iloc[0]))} firm-years)"
        return [Problem("sample", "no firm-year passes the sample rules" + reason)]
    firms = sample.groupby(FIRM, sort=False)[COHORT].first()
    n_members = int((firms > 0).sum())
    n_controls = int((firms == 0).sum())
    problems = []
    if n_members == 0:
        already = int(sample.attrs.get("excluded_already_members", 0))
        listed = f" of the {_n(members_listed)} member companies listed" if members_listed is not None else ""
        absent = (f", the other {_n(members_listed - already)} are not in the sample or join after its last year"
                  if members_listed is not None and members_listed > already else "")
        problems.append(Problem("membership", (
            f"no firm is treated: none{listed} has a firm-year in the sample before joining "
            f"({_n(already)} joined in or before their first observed year{absent})")))
    elif n_controls == 0:
        problems.append(Problem("membership", (
            f"every firm in the sample ({_n(n_members)}) is a member company: the design compares "
            "members with firms that never joined, and there are none")))
    elif not _shared_industries(sample):
        industries = sorted(pd.unique(sample.loc[sample[COHORT] > 0, "nace2"]).tolist())
        problems.append(Problem("membership", (
            f"the members' industries ({', '.join(map(str, industries[:5]))}{', ...' if len(industries) > 5 else ''}) "
            "hold no firm that never joined: membership cannot be told apart from industry (industry "
            "effects, exact matching on nace2)")))
    elif n_members < spec.disclosure.min_firms:
        problems.append(Problem("membership", (
            f"only {_n(n_members)} member companies have a firm-year in the sample before joining; "
            f"disclosure control (disclosure.min_firms = {spec.disclosure.min_firms}) could publish no "
            "estimate")))
    return problems


def _shared_industries(sample: pd.DataFrame) -> bool:
    """Whether some member shares its industry (nace2) with a firm that never joined."""
    if "nace2" not in sample.columns:
        return True
    member = (sample[COHORT] > 0).to_numpy()
    return bool(np.isin(sample["nace2"].to_numpy()[member], sample["nace2"].to_numpy()[~member]).any())


def event_study_conditions(sample: pd.DataFrame, did: DidSpec) -> list[Problem]:
    """Every event time of the event study (-leads..lags, -1 the reference) is observed.

    The end points bin the event times beyond them (``did.event_study``), so event
    time ``e`` is observed when a member has a firm-year at ``e`` (at or beyond it
    for the end points).
    """
    members = sample[sample[COHORT] > 0]
    event = members[YEAR] - members[COHORT]
    if event.empty:
        return []  # reported by sample_conditions
    seen = set(np.clip(event.to_numpy(), -did.leads, did.lags).tolist())
    missing = [e for e in range(-did.leads, did.lags + 1) if e != -1 and e not in seen]
    if not missing:
        return []
    key = "did.leads" if min(missing) < -1 else "did.lags"
    return [Problem(key, (
        f"no member firm-year at event time(s) {', '.join(map(str, missing))} (members are observed "
        f"from {int(event.min())} to {int(event.max())} years around joining); reduce did.leads/did.lags"))]


def _describe(values: np.ndarray) -> str:
    lo, hi = float(np.min(values)), float(np.max(values))
    return f"{lo:.4g}" if lo == hi else f"{lo:.4g} to {hi:.4g}"


def matching_conditions(sample: pd.DataFrame, matching: MatchingSpec) -> list[Problem]:
    """Each entry cohort's propensity-score model can be fitted at its baseline year.

    Mirrors the refusals of :func:`matching.matched_cohort_panel`: for cohort *g* the
    baseline is year *g - 1*, members of *g* against firms that never join or join
    after *g*, rows with a missing covariate or exact variable dropped. A cohort
    stops the matcher when one group is left empty by missing values, a covariate is
    constant, or one covariate alone separates members from controls (every member
    at or beyond the controls' extreme value: quasi-complete separation, the logit's
    maximum-likelihood estimate does not exist; Albert and Anderson 1984). Covariates
    not yet in ``sample`` (firm TFP before it is estimated) are skipped.
    """
    covariates = [c for c in matching.covariates if c in sample.columns]
    exact = [c for c in matching.exact if c in sample.columns]
    if not covariates:
        return []
    cohorts = sorted(int(g) for g in pd.unique(sample[COHORT]) if g > 0)
    problems = []
    for g in cohorts:  # a handful of entry cohorts
        base = sample[(sample[YEAR] == g - 1) & ((sample[COHORT] == g) | (sample[COHORT] == 0)
                                                 | (sample[COHORT] > g))]
        treated = (base[COHORT] == g).to_numpy()
        if not treated.any() or treated.all():
            continue  # the matcher skips such a cohort with a warning
        complete = base[covariates + exact].notna().all(axis=1).to_numpy()
        t, c = treated & complete, ~treated & complete
        if not t.any() or not c.any():
            empty = "members" if not t.any() else "controls"
            problems.append(Problem("matching.covariates", (
                f"cohort {g}: no {empty} left at baseline {g - 1} once rows with a missing "
                f"{', '.join(covariates + exact)} are dropped")))
            continue
        found = len(problems)
        for cov in covariates:
            x = base[cov].to_numpy(dtype=float)
            xt, xc = x[t], x[c]
            if np.min(x[complete]) == np.max(x[complete]):
                problems.append(Problem("matching.covariates", (
                    f"cohort {g}: {cov} is {_describe(xt)} for every firm at baseline {g - 1}, "
                    "so the propensity score cannot use it")))
            elif np.min(xt) >= np.max(xc) or np.max(xt) <= np.min(xc):
                edge = "maximum" if np.min(xt) >= np.max(xc) else "minimum"
                problems.append(Problem("matching.covariates", (
                    f"cohort {g}: all {_n(int(t.sum()))} members have {cov} {_describe(xt)}, the controls' "
                    f"{edge} ({_n(int(c.sum()))} controls, {_describe(xc)}, in {g - 1}): {cov} alone "
                    "separates members from controls and the propensity score is not identified; "
                    f"drop {cov} from matching.covariates or use more member firms")))
        if len(problems) == found:
            # Separation by a combination of covariates shows only in the fit itself: the
            # matcher's own score model (a few logits on one baseline year each).
            rows = base[complete].assign(_member=treated[complete].astype(int))
            try:
                propensity_score(rows, treatment="_member", covariates=covariates, link=matching.link)
            except MatchingError as exc:
                problems.append(Problem("matching.covariates", (
                    f"cohort {g}: the propensity score of {_n(int(t.sum()))} members against "
                    f"{_n(int(c.sum()))} controls in {g - 1} cannot be fitted ({exc}); drop covariates "
                    "from matching.covariates or use more member firms")))
    return problems


def study_conditions(sample: pd.DataFrame, spec: StudySpec, *, members_listed: int | None = None,
                     exclusions: pd.DataFrame | None = None) -> list[Problem]:
    """Every pre-flight condition of the study on ``sample`` (see the module docstring)."""
    problems = sample_conditions(sample, spec, members_listed=members_listed, exclusions=exclusions)
    if problems:
        return problems  # the design checks below assume members and controls
    return event_study_conditions(sample, spec.did) + matching_conditions(sample, spec.matching)
