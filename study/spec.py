"""Study specifications: everything that determines a study's results, in one file.

A study is a versioned YAML file (``studies/<name>.yaml``). It is validated on load:
unknown keys and wrong types are errors whose message carries the key's path
(``tfp.method: Input should be 'ols', 'fe', ...``). The Dagster run configuration is
derived from it, and the run manifest records its SHA-256.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

#: The demo study shipped with the project; ``cluster-impact run`` uses it by default.
DEMO_STUDY_PATH = Path(__file__).resolve().parent.parent / "studies" / "demo.yaml"


class StudySpecError(ValueError):
    """A study file that cannot be used, with the offending key paths in the message."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DemoInputs(_Strict):
    """Inputs simulated by the embedded generator (``data_contracts.synthetic``)."""

    seed: int = 20240601
    n_firms: int = Field(40_000, gt=100)
    first_year: int = 2012
    last_year: int = 2024
    true_effect: float = 0.025
    effect_growth: float = 0.0
    dip_selection: bool = False
    member_share: float = Field(0.0095, gt=0, lt=0.5)
    """Share of simulated firms that become member companies (Flanders: under 1%)."""


class FileInputs(_Strict):
    """Inputs read from files a researcher received (paths relative to the study file)."""

    accounts: str
    membership: str
    deflators: str


class Inputs(_Strict):
    demo: DemoInputs | None = None
    files: FileInputs | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "Inputs":
        if (self.demo is None) == (self.files is None):
            raise ValueError("give exactly one of inputs.demo or inputs.files")
        return self


class Sample(_Strict):
    """Sample rules of the study design, section 3."""

    first_year: int = 2012
    last_year: int = 2024
    region: Literal["VLG", "BRU", "WAL"] = "VLG"
    min_fte: float = 1.0
    trim_percent: float = Field(1.0, ge=0, lt=50)
    non_twelve_month_periods: Literal["annualise", "flag"] = "annualise"


class ValidationSpec(_Strict):
    """Thresholds of the blocking asset checks on the validated inputs."""

    max_rejected_share: float = Field(0.01, ge=0, le=1)
    """Fail the run when more than this share of a file's rows is quarantined."""
    min_membership_match_rate: float = Field(0.5, ge=0, le=1)
    """Fail when fewer member companies than this share have accounts."""


class TfpSpec(_Strict):
    method: Literal["ols", "fe", "op", "lp", "acf", "wrdg"] = "acf"
    grouping: Literal["nace2"] = "nace2"
    """Production functions by NACE 2-digit industry (the grouping by cluster
    classification is always estimated too, for column 6 of the main table)."""
    min_obs: int = Field(200, gt=10)
    bootstrap: int = Field(0, ge=0)
    acf_overidentify: bool = True
    """ACF: add lagged capital as an instrument (over-identified GMM); with prodest's
    exactly identified moments the capital elasticity is poorly determined in small
    industries."""
    robustness_methods: tuple[Literal["ols", "fe", "op", "lp", "acf", "wrdg", "cost_share"], ...] = (
        "ols", "fe", "lp", "acf", "wrdg", "cost_share")


class MatchingSpec(_Strict):
    covariates: tuple[str, ...] = ("log_tfp", "tfp_growth", "log_fte", "log_capital", "age")
    exact: tuple[str, ...] = ("nace2",)
    ratio: int = Field(1, ge=1)
    caliper: float | None = 0.2
    replace: bool = False
    link: Literal["logit", "probit", "linear.logit", "linear.probit"] = "linear.logit"
    """Distance: the score (``logit``/``probit``) or its linear predictor (``linear.*``);
    the caliper is in standard deviations of that distance (Austin 2011 recommends
    0.2 SD of the logit of the score)."""


class DidSpec(_Strict):
    method: Literal["dr", "ipw", "reg"] = "dr"
    control_groups: tuple[Literal["never", "notyet"], ...] = ("never", "notyet")
    base_period: Literal["varying", "universal"] = "varying"
    leads: int = Field(4, ge=1)
    lags: int = Field(5, ge=0)


class DisclosureSpec(_Strict):
    min_firms: int = Field(10, ge=1)
    dominance_top2_share: float = Field(0.85, gt=0, le=1)
    p_percent: float = Field(0.10, ge=0, lt=1)
    min_residual_df: int = Field(10, ge=1)


class ReportSpec(_Strict):
    decimals: int = Field(3, ge=0, le=8)
    index_base_year: int = 2014


class StudySpec(_Strict):
    """A validated study specification."""

    name: str
    version: int = 1
    description: str = ""
    seed: int = 20170101
    inputs: Inputs
    sample: Sample = Sample()
    validation: ValidationSpec = ValidationSpec()
    tfp: TfpSpec = TfpSpec()
    matching: MatchingSpec = MatchingSpec()
    did: DidSpec = DidSpec()
    disclosure: DisclosureSpec = DisclosureSpec()
    report: ReportSpec = ReportSpec()


def _format_errors(path: Path, exc: ValidationError) -> str:
    lines = [f"{path}: invalid study specification"]
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "<root>"
        lines.append(f"  {key}: {err['msg']}")
    return "\n".join(lines)


def load_study(path: str | Path) -> StudySpec:
    """Read and validate a study file.

    Raises
    ------
    StudySpecError
        If the file is missing, is not a YAML mapping, or breaks the schema; the
        message lists every offending key path.
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise StudySpecError(f"{path}: study file not found") from exc
    except yaml.YAMLError as exc:
        raise StudySpecError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(raw, dict):
        raise StudySpecError(f"{path}: a study file must be a YAML mapping")
    try:
        return StudySpec.model_validate(raw)
    except ValidationError as exc:
        raise StudySpecError(_format_errors(path, exc)) from exc


def study_sha256(path: str | Path) -> str:
    """SHA-256 of the study file's bytes (what the manifest records)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
