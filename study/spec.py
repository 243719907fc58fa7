"""Study specifications: everything that determines a study's results, in one file.

A study is a versioned YAML file (``studies/<name>.yaml``). It is validated on load:
unknown keys and wrong types are errors whose message carries the key's path
(``tfp.method: Input should be 'ols', 'fe', ...``). The Dagster run configuration is
derived from it, and the run manifest records its SHA-256.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from data_contracts import synthetic
from study.analysis_sample import EXACT_MATCHING_VARIABLES, MATCHING_COVARIATES

#: The demo study shipped with the project; ``cluster-impact run`` uses it by default.
DEMO_STUDY_PATH = Path(__file__).resolve().parent.parent / "studies" / "demo.yaml"


class StudySpecError(ValueError):
    """A study file that cannot be used, with the offending key paths in the message."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


#: Error type of the study's own rules; ``ctx["field"]`` (dotted, relative to the model
#: that raised it) completes the key path of a rule that spans several keys.
_RULE = "study_rule"


def _rule(message: str, field: str | None = None) -> PydanticCustomError:
    """A rule violation: ``message`` says what the value must be, and why."""
    return PydanticCustomError(_RULE, message.replace("{", "{{").replace("}", "}}"),
                               {"field": field} if field else None)


#: Years the data contracts accept (``data_contracts.ACCOUNTS_COLUMNS``, column ``year``).
YEAR_RANGE: tuple[int, int] = (1990, 2100)


def _check_years(first: int, last: int, where: str) -> None:
    lo, hi = YEAR_RANGE
    for name, year in (("first_year", first), ("last_year", last)):
        if not lo <= year <= hi:
            raise _rule(f"must be a year in {lo}-{hi} (the accounts contract), got {year}", name)
    if first > last:
        raise _rule(f"must not be before {where}.first_year ({first}), got {last}", "last_year")


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

    @model_validator(mode="after")
    def _generator_accepts(self) -> "DemoInputs":
        _check_years(self.first_year, self.last_year, "inputs.demo")
        try:  # the generator's own rules (years around the joining window, base year ...)
            synthetic.SimulationConfig(**self.model_dump())
        except synthetic.SyntheticDataError as exc:
            raise _rule(f"the demo generator refuses these inputs: {exc}") from None
        return self


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
    """Firm-years with fewer full-time equivalents are left out; must be > 0 (log FTE
    enters the production function)."""
    trim_percent: float = Field(1.0, ge=0, lt=50)
    non_twelve_month_periods: Literal["annualise", "flag"] = "annualise"
    missing_deflators: Literal["error", "exclude"] = "error"
    """Firm-years of an industry x year without a price index: stop the panel build
    naming the missing pairs (``error``), or leave them out, counted as
    ``no_deflator`` in the sample exclusions (``exclude``)."""

    @field_validator("min_fte")
    @classmethod
    def _positive_fte(cls, value: float) -> float:
        if not value > 0:
            raise _rule(f"must be > 0 (firms without employees have no log FTE), got {value}")
        return value

    @model_validator(mode="after")
    def _window(self) -> "Sample":
        _check_years(self.first_year, self.last_year, "sample")
        return self


class ValidationSpec(_Strict):
    """Thresholds of the blocking asset checks on the validated inputs."""

    max_rejected_share: float = Field(0.01, ge=0, le=1)
    """Fail the run when more than this share of a file's rows is quarantined."""
    min_membership_match_rate: float = Field(0.5, ge=0, le=1)
    """Fail when fewer member companies than this share have accounts."""


class TfpSpec(_Strict):
    method: Literal["ols", "fe", "op", "lp", "acf", "wrdg", "wrdg_gmm"] = "acf"
    grouping: Literal["nace2"] = "nace2"
    """Production functions by NACE 2-digit industry (the grouping by cluster
    classification is always estimated too, for column 6 of the main table)."""
    min_obs: int = Field(200, gt=10)
    bootstrap: int = Field(0, ge=0)
    acf_overidentify: bool = True
    """ACF: add lagged capital as an instrument (over-identified GMM); with prodest's
    exactly identified moments the capital elasticity is poorly determined in small
    industries."""
    robustness_methods: tuple[Literal["ols", "fe", "op", "lp", "acf", "wrdg", "wrdg_gmm", "cost_share"], ...] = (
        "ols", "fe", "lp", "acf", "wrdg_gmm", "cost_share")
    """Estimators of the robustness grid (T2, T6), named as R prodest names them: ``wrdg`` is
    prodestWRDG (pooled IV), ``wrdg_gmm`` prodestWRDG_GMM (two-step system GMM, the study's
    Wooldridge column: pooled IV is biased on the simulated population)."""


#: Most controls matched to one member. Beyond a few controls the variance gain is
#: small (the matched estimator's variance falls like 1 + 1/ratio) while match
#: quality falls; without replacement each cohort would need ratio x members controls.
MAX_MATCHING_RATIO = 10


class MatchingSpec(_Strict):
    covariates: tuple[str, ...] = ("log_tfp", "tfp_growth", "log_fte", "log_capital", "age")
    """Columns of the analysis sample (``study.analysis_sample.MATCHING_COVARIATES``)."""
    exact: tuple[str, ...] = ("nace2",)
    """Matched exactly (``study.analysis_sample.EXACT_MATCHING_VARIABLES``)."""
    ratio: int = 1
    caliper: float | None = 0.2
    replace: bool = False
    link: Literal["logit", "probit", "linear.logit", "linear.probit"] = "linear.logit"
    """Distance: the score (``logit``/``probit``) or its linear predictor (``linear.*``);
    the caliper is in standard deviations of that distance (Austin 2011 recommends
    0.2 SD of the logit of the score)."""

    @field_validator("covariates")
    @classmethod
    def _known_covariates(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise _rule("must name at least one covariate")
        unknown = [c for c in value if c not in MATCHING_COVARIATES]
        if unknown:
            raise _rule(f"not a covariate of the analysis sample: {', '.join(unknown)} "
                        f"(choose from {', '.join(MATCHING_COVARIATES)})")
        if len(set(value)) < len(value):
            raise _rule("names a covariate twice")
        return value

    @field_validator("exact")
    @classmethod
    def _known_exact(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [c for c in value if c not in EXACT_MATCHING_VARIABLES]
        if unknown:
            raise _rule(f"not a category of the analysis sample: {', '.join(unknown)} "
                        f"(choose from {', '.join(EXACT_MATCHING_VARIABLES)})")
        return value

    @field_validator("ratio")
    @classmethod
    def _sane_ratio(cls, value: int) -> int:
        if not 1 <= value <= MAX_MATCHING_RATIO:
            raise _rule(f"must be between 1 and {MAX_MATCHING_RATIO} controls per member, got {value}")
        return value

    @field_validator("caliper")
    @classmethod
    def _positive_caliper(cls, value: float | None) -> float | None:
        if value is not None and not value > 0:
            raise _rule(f"must be > 0 (standard deviations of the distance) or null for no caliper, got {value}")
        return value


class DidSpec(_Strict):
    method: Literal["dr", "ipw", "reg"] = "dr"
    control_groups: tuple[Literal["never", "notyet"], ...] = ("never", "notyet")
    base_period: Literal["varying", "universal"] = "varying"
    leads: int = 4
    """Event-study leads -leads..-2 (reference -1; the earliest bins all before): at
    least 2, so that there is a pre-trend to test (``did.event_study``)."""
    lags: int = 5

    @field_validator("control_groups")
    @classmethod
    def _some_control_group(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise _rule("must name at least one control group (never, notyet)")
        if len(set(value)) < len(value):
            raise _rule("names a control group twice")
        return value

    @field_validator("leads")
    @classmethod
    def _pretrend_leads(cls, value: int) -> int:
        if value < 2:
            raise _rule(f"must be at least 2: the event study's reference year is -1, so a pre-trend "
                        f"test needs leads -2 and earlier, got {value}")
        return value

    @field_validator("lags")
    @classmethod
    def _non_negative_lags(cls, value: int) -> int:
        if value < 0:
            raise _rule(f"must be >= 0 (lag 0 is the joining year), got {value}")
        return value


#: The weakest disclosure thresholds a study file may set (study design, section 5),
#: key -> (bound, "min" or "max", why). Values beyond them switch protection off or
#: leave it nominal, so they are refused; values between the bound and the default are
#: allowed but recorded (:func:`weaker_disclosure_thresholds`).
DISCLOSURE_FLOORS: dict[str, tuple[float, str, str]] = {
    "min_firms": (4, "min", "NBB's research data hub forbids any output built on three units or fewer"),
    "dominance_top2_share": (0.95, "max", "at 1 the two largest firms may hold everything and the rule "
                                          "never applies; above 0.95 each can infer the other's value "
                                          "within 5%"),
    "p_percent": (0.05, "min", "at 0 the p% rule never applies; below 5% a contributor learns a "
                               "competitor's value almost exactly"),
    "min_residual_df": (5, "min", "with fewer residual degrees of freedom a regression nearly "
                                  "reproduces single firms' values"),
}


class DisclosureSpec(_Strict):
    """Disclosure control of every published cell (defaults: the study design, section 5)."""

    min_firms: int = 10
    dominance_top2_share: float = 0.85
    p_percent: float = 0.10
    min_residual_df: int = 10

    @field_validator("min_firms", "dominance_top2_share", "p_percent", "min_residual_df")
    @classmethod
    def _not_beyond_floor(cls, value: float, info: Any) -> float:
        bound, side, why = DISCLOSURE_FLOORS[info.field_name]
        if side == "min" and not value >= bound:
            raise _rule(f"must be >= {bound:g}: {why}, got {value:g}")
        if side == "max" and not (0 < value <= bound):
            raise _rule(f"must be in (0, {bound:g}]: {why}, got {value:g}")
        return value


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

    @model_validator(mode="after")
    def _consistent(self) -> "StudySpec":
        first, last = self.sample.first_year, self.sample.last_year
        demo = self.inputs.demo
        if demo is not None:
            if first < demo.first_year:
                raise _rule(f"must not be before inputs.demo.first_year ({demo.first_year}): the "
                            f"simulation has no accounts before it, got {first}", "sample.first_year")
            if last > demo.last_year:
                raise _rule(f"must not be after inputs.demo.last_year ({demo.last_year}): the "
                            f"simulation has no accounts after it, got {last}", "sample.last_year")
        # A firm observed from `first` can join at `first + 1` at the earliest (joining in
        # the first observed year leaves no pre-membership year) and at `last` at the latest.
        span = last - first
        if self.did.leads > span:
            raise _rule(f"must be at most {span}: the sample's years {first}-{last} leave at most "
                        f"{span} years before joining, got {self.did.leads}", "did.leads")
        if self.did.lags > span - 1:
            raise _rule(f"must be at most {max(span - 1, 0)}: the sample's years {first}-{last} leave at "
                        f"most {max(span - 1, 0)} years after joining, got {self.did.lags}", "did.lags")
        return self


@dataclass(frozen=True)
class WeakerThreshold:
    """A disclosure threshold of the study that is weaker than the study design's."""

    key: str
    value: float
    default: float

    @property
    def note(self) -> str:
        """One sentence for a table footnote and the manifest."""
        return (f"{self.key} = {self.value:g} is weaker than the study design's {self.default:g} "
                "(less protection of single firms).")


def weaker_disclosure_thresholds(spec: StudySpec | DisclosureSpec) -> tuple[WeakerThreshold, ...]:
    """The study's disclosure thresholds that are weaker than the defaults.

    The floors (:data:`DISCLOSURE_FLOORS`) are enforced on load; a value between the
    floor and the default is allowed, but every publication must say so: the
    publication layer writes each :attr:`WeakerThreshold.note` into the footnotes of
    the tables and figures it controls, and the manifest records the list.

    Returns
    -------
    tuple of WeakerThreshold
        In the order of :class:`DisclosureSpec`'s fields; empty for the defaults or
        stricter values.
    """
    disclosure = spec.disclosure if isinstance(spec, StudySpec) else spec
    defaults = DisclosureSpec()
    out = []
    for name, (_, side, _) in DISCLOSURE_FLOORS.items():
        value, default = getattr(disclosure, name), getattr(defaults, name)
        weaker = value < default if side == "min" else value > default
        if weaker:
            out.append(WeakerThreshold(f"disclosure.{name}", value, default))
    return tuple(out)


def _format_errors(path: Path, exc: ValidationError) -> str:
    """One line per error: the key's dotted path and the rule it breaks."""
    lines = [f"{path}: invalid study specification"]
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        if err["type"] == _RULE and (err.get("ctx") or {}).get("field"):
            loc.append(err["ctx"]["field"])
        key = ".".join(loc) or "<root>"
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
