"""The deflated firm-year panel and the study's sample rules (study design, sections 2-3).

Value added follows the two routes of the Belgian filing models,

    full filers:              VA = 70 + 71 + 72 + 74 - 740 - 60 - 61
    abbreviated / micro:      VA = 9900 - 76A - 740

(the full route for a full filer that reports turnover, else the gross-margin route
when 9900 is reported, else the other route; the route is recorded in ``va_route``;
components that are not reported count as zero, except 70 and 9900, which define
the route). Nominal amounts are deflated by industry x year price indices
rescaled to their base year: value added by the value-added index, capital (22/27)
and investment by the investment index, materials (60 + 61) by the intermediate
index. Investment is ``K_t - K_{t-1} + depreciation_t`` in current prices (the
perpetual-inventory identity used by Olley and Pakes, 1996), deflated with the year-t
index, and missing when the previous year's filing is absent.

Sample rules are applied in a fixed order and each dropped firm-year gets the first
rule it fails, so that ``len(panel) + len(excluded) == len(accounts)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from pandera.errors import SchemaError, SchemaErrors

from data_contracts.contracts import (
    ACCOUNTS_SCHEMA, DEFLATORS_SCHEMA, PANEL_COLUMNS, PANEL_SCHEMA,
)
from data_contracts.errors import DataContractError
from data_contracts.nace import division_section, nace_divisions


@dataclass(frozen=True)
class SampleRules:
    """Sample restrictions of the study (defaults: study design, section 3).

    Attributes
    ----------
    regions : tuple of str
        Regions kept (``VLG``: the Flemish region).
    excluded_divisions : tuple of str
        NACE divisions dropped: 64-66, financial and insurance activities.
    excluded_codes : tuple of str
        NACE-BEL subclasses dropped: 70.100, head offices (holding-type accounts).
    excluded_sections : tuple of str
        NACE sections dropped: O (public administration), T (households), U
        (extraterritorial organisations).
    min_fte : float
        At least this many full-time equivalents.
    trim_share : float
        Share trimmed from *each* tail of log(VA/FTE) and log(K/FTE) within
        ``trim_within`` cells. Per cell ``floor(n * trim_share)`` observations are
        dropped from each tail (none in cells under 1/trim_share observations), so
        that small cells are not emptied by interpolated quantiles.
    trim_within : tuple of str
        Cells of the trimming (industry x year).
    drop_unannualised : bool
        Drop periods that are not 12 months and were not annualised at ingestion.
    first_year, last_year : int, optional
        Observation window.
    missing_deflators : {"error", "exclude"}
        A firm-year that passes the rules before it but whose industry x year has no
        value-added or investment price index: ``error`` (default) stops the build with
        one line naming the missing (nace2, year) pairs, since silently dropping them
        would remove whole industries or years from the study; ``exclude`` leaves them
        out with the reason ``no_deflator`` (counted like every other rule).
    """

    regions: tuple[str, ...] = ("VLG",)
    excluded_divisions: tuple[str, ...] = ("64", "65", "66")
    excluded_codes: tuple[str, ...] = ("70.100",)
    excluded_sections: tuple[str, ...] = ("O", "T", "U")
    min_fte: float = 1.0
    trim_share: float = 0.01
    trim_within: tuple[str, ...] = ("nace2", "year")
    drop_unannualised: bool = True
    first_year: int | None = None
    last_year: int | None = None
    missing_deflators: Literal["error", "exclude"] = "error"

    def __post_init__(self) -> None:
        if self.missing_deflators not in ("error", "exclude"):
            raise DataContractError(f"missing_deflators must be 'error' or 'exclude', not {self.missing_deflators!r}")
        if not 0 <= self.trim_share < 0.5:
            raise DataContractError(f"trim_share must be in [0, 0.5), got {self.trim_share}")
        if self.min_fte < 0:
            raise DataContractError(f"min_fte must be >= 0, got {self.min_fte}")


#: Exclusion reasons in the order the rules are applied.
EXCLUSION_REASONS: tuple[str, ...] = (
    "outside_year_window",
    "region_not_kept",
    "excluded_industry",
    "non_annual_period",
    "value_added_not_derivable",
    "no_deflator",
    "fte_below_minimum",
    "non_positive_value_added",
    "non_positive_capital",
    "trim_log_va_per_fte",
    "trim_log_capital_per_fte",
)


@dataclass(frozen=True)
class PanelResult:
    """The firm-year panel and the firm-years the sample rules dropped.

    Attributes
    ----------
    panel : DataFrame
        One row per enterprise x year, columns of :data:`data_contracts.PANEL_SCHEMA`.
    excluded : DataFrame
        ``enterprise_number``, ``year``, ``nace``, ``region``, ``reason`` (first rule
        failed, one of :data:`EXCLUSION_REASONS`).
    rules : SampleRules
    """

    panel: pd.DataFrame
    excluded: pd.DataFrame
    rules: SampleRules = field(default_factory=SampleRules)

    @property
    def n_input(self) -> int:
        return len(self.panel) + len(self.excluded)

    def exclusion_counts(self) -> pd.DataFrame:
        """Firm-years per reason, in rule order, with the panel as the last row."""
        counts = self.excluded["reason"].value_counts().reindex(list(EXCLUSION_REASONS), fill_value=0)
        out = counts.rename_axis("reason").reset_index(name="firm_years")
        kept = pd.DataFrame({"reason": ["kept (panel)"], "firm_years": [len(self.panel)]})
        return pd.concat([out, kept], ignore_index=True)

    def summary(self) -> str:
        """Counts that reconcile: input firm-years = dropped per reason + panel."""
        lines = [f"firm-years in accounts: {self.n_input}"]
        for reason, n in self.exclusion_counts().itertuples(index=False, name=None):
            lines.append(f"  {reason:<28} {n:>10}")
        lines.append(f"firms in panel: {self.panel['enterprise_number'].nunique()}")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The exclusion counts as a tidy frame."""
        return self.exclusion_counts()


#: Above this many rows, the contract's element checks run on a head, tail and random
#: sample (dtypes and the key always on everything): pandera checks text columns in
#: a Python loop, and frames this large come from the readers, which checked each row.
FULL_CHECK_ROWS = 250_000


def _sampling(n_rows: int) -> dict[str, object]:
    if n_rows <= FULL_CHECK_ROWS:
        return {}
    return {"head": 20_000, "tail": 20_000, "sample": 60_000, "random_state": 0}


def _validated(frame: pd.DataFrame, schema, what: str) -> None:  # type: ignore[no-untyped-def]
    key = schema.unique
    missing = [c for c in schema.columns if c not in frame.columns]
    if missing:
        raise DataContractError(f"{what} violate their contract: column(s) missing: {', '.join(missing)}")
    if key:
        dup = frame.duplicated(list(key), keep=False)
        if dup.any():
            first = frame.loc[dup, list(key)].iloc[0].tolist()
            raise DataContractError(
                f"{what} violate their contract: {int(dup.sum())} rows share a {' x '.join(key)} key "
                f"(e.g. {' '.join(map(str, first))}); resolve corrections before combining files")
    try:
        schema.validate(frame.reset_index(drop=True), lazy=False, **_sampling(len(frame)))
    except (SchemaError, SchemaErrors) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataContractError(f"{what} violate their contract: {first}") from None


def deflator_factors(deflators: pd.DataFrame) -> pd.DataFrame:
    """Price indices per (nace2 division, year) as factors relative to the base year.

    A64 ranges (``"10-12"``) are expanded to their divisions; a division-level row
    wins over a range covering the same division. Each series is divided by its own
    value in the base year (100 if the base-year row is missing), so indices on a
    base of 100 or of 1 give the same factors.
    """
    d = deflators.copy()
    series = ["va", "output", "intermediate", "investment"]
    # Base-year reference of each industry code and series.
    at_base = d[d["year"] == d["base_year"]].set_index("nace2")[series]
    ref = at_base.reindex(d["nace2"]).to_numpy()
    ref = np.where(np.isfinite(ref) & (ref > 0), ref, 100.0)
    d[series] = d[series].to_numpy() / ref
    divisions = nace_divisions()["division"]
    parts = [d[~d["nace2"].str.contains("-")].assign(_priority=0)]
    for code in sorted(set(d["nace2"][d["nace2"].str.contains("-")])):  # a handful of A64 ranges
        lo, hi = code.split("-")
        covered = divisions[(divisions >= lo) & (divisions <= hi)]
        block = d[d["nace2"] == code]
        parts.append(block.loc[block.index.repeat(len(covered))].assign(
            nace2=np.tile(covered.to_numpy(), len(block)), _priority=1))
    out = pd.concat(parts, ignore_index=True).sort_values(["nace2", "year", "_priority"])
    out = out.drop_duplicates(["nace2", "year"], keep="first")
    return out[["nace2", "year"] + series].reset_index(drop=True)


def _value_added(a: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    zero = lambda c: a[c].fillna(0.0).to_numpy()  # noqa: E731 - not reported = 0
    full = a["70"].to_numpy() + zero("71") + zero("72") + zero("74") - zero("740") - zero("60") - zero("61")
    margin = a["9900"].to_numpy() - zero("76A") - zero("740")
    has_full = a["70"].notna().to_numpy()
    has_margin = a["9900"].notna().to_numpy()
    is_full_model = (a["model"] == "full").to_numpy()
    use_full = np.where(is_full_model, has_full, has_full & ~has_margin)
    use_margin = ~use_full & has_margin
    route = np.where(use_full, "full", np.where(use_margin, "gross_margin", None)).astype(object)
    va = np.where(use_full, full, np.where(use_margin, margin, np.nan))
    return va, route


def _tail_ranks(values: pd.Series, cells: list[pd.Series], share: float) -> np.ndarray:
    """True where a value is among the floor(n*share) lowest or highest of its cell."""
    keyed = pd.DataFrame({"v": values.to_numpy()}, index=values.index)
    for i, c in enumerate(cells):
        keyed[f"k{i}"] = c.to_numpy()
    keys = [f"k{i}" for i in range(len(cells))]
    grouped = keyed.groupby(keys, sort=False)["v"]
    n = grouped.transform("size").to_numpy()
    k = np.floor(n * share + 1e-9)
    rank = grouped.rank(method="first").to_numpy()
    return (rank <= k) | (rank > n - k)


def _missing_deflators_message(out: pd.DataFrame, needed: np.ndarray, va_f: np.ndarray,
                               inv_f: np.ndarray) -> str:
    """One line: the (nace2, year) pairs without a price index that kept firm-years need."""
    pairs = pd.DataFrame({"nace2": out["nace2"].to_numpy()[needed], "year": out["year"].to_numpy()[needed],
                          "va": np.isnan(va_f[needed]), "investment": np.isnan(inv_f[needed])})
    pairs = pairs.groupby(["nace2", "year"], sort=True)[["va", "investment"]].any().reset_index()
    listed = ", ".join(
        f"{r.nace2} {r.year} ({' and '.join(n for n, miss in (('value added', r.va), ('investment', r.investment)) if miss)})"
        for r in pairs.head(6).itertuples(index=False))  # the message shows a few; the count says how many
    more = f" and {len(pairs) - 6} more" if len(pairs) > 6 else ""
    return (f"deflators: {len(pairs)} industry-year(s) needed by {int(needed.sum()):,} firm-years have no "
            f"price index: {listed}{more}; add them to the deflator file or exclude those firm-years "
            "(missing_deflators='exclude')")


def build_firm_year_panel(accounts: pd.DataFrame, deflators: pd.DataFrame, *,
                          sample: SampleRules | None = None) -> PanelResult:
    """Build the deflated firm-year panel from validated accounts and deflators.

    Parameters
    ----------
    accounts : DataFrame
        Validated accounts (``read_accounts(...).accepted``, possibly several files
        concatenated), one row per enterprise x year.
    deflators : DataFrame
        Validated deflators (``read_deflators(...).accepted``).
    sample : SampleRules, optional
        Sample restrictions; the study-design defaults if omitted.

    Returns
    -------
    PanelResult
        ``panel`` (one row per kept firm-year, :data:`data_contracts.PANEL_SCHEMA`)
        and ``excluded`` (every other firm-year with its reason).

    Raises
    ------
    DataContractError
        If an input violates its contract (e.g. duplicated enterprise x year), or
        with ``missing_deflators="error"``, if a firm-year that the sample rules keep
        has no price index for its industry and year.
    """
    rules = sample or SampleRules()
    _validated(accounts, ACCOUNTS_SCHEMA, "accounts")
    _validated(deflators, DEFLATORS_SCHEMA, "deflators")
    a = accounts.sort_values(["enterprise_number", "year"], kind="stable").reset_index(drop=True)
    out = pd.DataFrame({
        "enterprise_number": a["enterprise_number"].to_numpy(dtype=object),
        "year": a["year"].to_numpy(dtype=np.int64),
        "nace": a["nace"].to_numpy(dtype=object),
    })
    out["nace2"] = a["nace"].str.slice(0, 2).to_numpy(dtype=object)
    out["region"] = a["region"].to_numpy(dtype=object)
    out["model"] = a["model"].to_numpy(dtype=object)
    out["foreign_owned"] = a["foreign_owned"].astype("boolean").array
    out["months"] = a["months"].to_numpy(dtype=np.int64)
    out["annualised"] = a["annualised"].to_numpy(dtype=bool)
    va_nominal, route = _value_added(a)
    out["va_route"] = route
    out["va_nominal"] = va_nominal

    factors = deflator_factors(deflators)
    f = out[["nace2", "year"]].merge(factors, on=["nace2", "year"], how="left")
    va_f, inv_f, int_f = f["va"].to_numpy(), f["investment"].to_numpy(), f["intermediate"].to_numpy()
    out["va"] = va_nominal / va_f
    fte = a["1003"].where(a["1003"].notna(), a["9087"]).to_numpy(dtype=np.float64)
    out["fte"] = fte
    out["capital"] = a["22/27"].to_numpy() / inv_f
    has_materials = a["60"].notna().to_numpy() | a["61"].notna().to_numpy()
    materials_nominal = np.where(has_materials, a["60"].fillna(0).to_numpy() + a["61"].fillna(0).to_numpy(), np.nan)
    out["materials"] = materials_nominal / int_f
    out["wage_bill"] = a["62"].to_numpy(dtype=np.float64)
    same_firm = out["enterprise_number"].eq(out["enterprise_number"].shift()).to_numpy()
    consecutive = same_firm & (out["year"].diff().to_numpy() == 1)
    k_prev = np.where(consecutive, np.roll(a["22/27"].to_numpy(), 1), np.nan)
    investment_nominal = a["22/27"].to_numpy() - k_prev + a["630"].fillna(0).to_numpy()
    out["investment"] = investment_nominal / inv_f
    with np.errstate(divide="ignore", invalid="ignore"):
        for name in ("va", "fte", "capital", "materials"):
            v = out[name].to_numpy()
            out[f"log_{name}"] = np.where(v > 0, np.log(np.where(v > 0, v, 1.0)), np.nan)
    first_year = out.groupby("enterprise_number", sort=False)["year"].transform("min")
    out["age"] = (out["year"] - first_year).to_numpy(dtype=np.int64)

    reason = np.full(len(out), None, dtype=object)

    def drop(mask: np.ndarray, why: str) -> None:
        reason[(reason == None) & mask] = why  # noqa: E711 - elementwise on object array

    years = out["year"].to_numpy()
    window = np.ones(len(out), dtype=bool)
    if rules.first_year is not None:
        window &= years >= rules.first_year
    if rules.last_year is not None:
        window &= years <= rules.last_year
    drop(~window, "outside_year_window")
    drop(~out["region"].isin(rules.regions).to_numpy(), "region_not_kept")
    section = division_section(out["nace2"]).to_numpy(dtype=object)
    excluded_industry = (out["nace2"].isin(rules.excluded_divisions).to_numpy()
                         | out["nace"].isin(rules.excluded_codes).to_numpy()
                         | pd.Series(section).isin(rules.excluded_sections).to_numpy())
    drop(excluded_industry, "excluded_industry")
    if rules.drop_unannualised:
        drop((out["months"].to_numpy() != 12) & ~out["annualised"].to_numpy(), "non_annual_period")
    drop(np.isnan(va_nominal), "value_added_not_derivable")
    no_deflator = np.isnan(va_f) | np.isnan(inv_f)
    if rules.missing_deflators == "error" and (no_deflator & pd.isna(reason)).any():
        raise DataContractError(_missing_deflators_message(out, no_deflator & pd.isna(reason), va_f, inv_f))
    drop(no_deflator, "no_deflator")
    drop(~(fte >= rules.min_fte), "fte_below_minimum")
    drop(~(out["va"].to_numpy() > 0), "non_positive_value_added")
    drop(~(out["capital"].to_numpy() > 0), "non_positive_capital")
    if rules.trim_share > 0:
        alive = pd.isna(reason)
        sub = out[alive]
        cells = [sub[c] for c in rules.trim_within]
        lp = np.log(sub["va"] / sub["fte"])
        lk = np.log(sub["capital"] / sub["fte"])
        trim_va = np.zeros(len(out), dtype=bool)
        trim_k = np.zeros(len(out), dtype=bool)
        # Both tails are computed on the same pre-trim sample, as in the study's spec.
        trim_va[np.flatnonzero(alive)] = _tail_ranks(lp, cells, rules.trim_share)
        trim_k[np.flatnonzero(alive)] = _tail_ranks(lk, cells, rules.trim_share)
        drop(trim_va, "trim_log_va_per_fte")
        drop(trim_k, "trim_log_capital_per_fte")

    kept = pd.isna(reason)
    panel = out[kept].reset_index(drop=True)[[c.name for c in PANEL_COLUMNS]]
    excluded = out.loc[~kept, ["enterprise_number", "year", "nace", "region"]].assign(
        reason=reason[~kept]).reset_index(drop=True)
    assert len(panel) + len(excluded) == len(accounts)
    PANEL_SCHEMA.validate(panel, **_sampling(len(panel)))
    return PanelResult(panel=panel, excluded=excluded, rules=rules)
