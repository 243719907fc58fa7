"""Monitoring tables M1-M4 of the study design (section 4), per cluster and year.

Inputs
------
membership
    One row per (cluster, firm) spell: ``cluster``, ``firm_id`` (pseudonymous id),
    ``member_type`` (``company``, ``knowledge institution``...), ``join_date`` and
    ``leave_date`` (dates or anything :func:`pandas.to_datetime` reads; missing = still
    a member). A firm is a member in every calendar year from its join year to its
    leave year inclusive.
panel
    One row per firm-year of the analysis sample (the regional economy): ``firm_id``,
    ``year``, ``nace2`` (industry), ``fte``, ``value_added`` (euro), ``tfp`` (log TFP),
    ``foreign_owned`` (0/1).

Column names other than these are passed as keyword arguments (``firm=``,
``value_added=``, ``tfp=``), e.g. ``firm="enterprise_number", value_added="va_nominal",
tfp="log_tfp"`` for the pipeline's analysis panel.

Every table has a row per (cluster, year) plus, per year, ``All clusters`` counting each
firm once however many clusters it belongs to.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from reports.disclosure import (
    DisclosureRules,
    Relation,
    cell_statistics,
    primary_reasons,
    secondary_suppression,
)
from reports.errors import ReportError
from reports.formatting import format_count, format_number
from reports.notes import StudyNotes
from reports.tables import CellGrid, PublishedTable

ALL_CLUSTERS = "All clusters"
#: SME = fewer than 250 FTE (EU definition, headcount criterion applied to FTE).
SME_FTE_LIMIT = 250.0

MEMBERSHIP_COLUMNS = ("cluster", "firm_id", "member_type", "join_date", "leave_date")
PANEL_COLUMNS = ("firm_id", "year", "nace2", "fte", "value_added", "tfp", "foreign_owned")


def _check(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ReportError(f"{what}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ReportError(f"{what}: missing column(s) {', '.join(missing)}")


def _canonical(frame: pd.DataFrame, names: dict[str, str], what: str) -> pd.DataFrame:
    """The columns ``names`` (canonical -> actual) of ``frame`` under their canonical names."""
    _check(frame, list(names.values()), what)
    return pd.DataFrame({canon: frame[actual].to_numpy() for canon, actual in names.items()})


def _membership(membership: pd.DataFrame, firm: str) -> pd.DataFrame:
    names = {c: c for c in MEMBERSHIP_COLUMNS}
    names["firm_id"] = firm
    return _canonical(membership, names, "membership")


def member_years(membership: pd.DataFrame, years: Sequence[int], firm: str = "firm_id") -> pd.DataFrame:
    """Expand membership spells to (cluster, firm_id, member_type, year) rows.

    Includes, for each year, ``All clusters`` rows (one per firm that is a member of
    any cluster). Vectorised with :func:`numpy.repeat`. ``firm`` names the firm-id
    column of ``membership``; the output calls it ``firm_id``.
    """
    membership = _membership(membership, firm)
    first, last = int(min(years)), int(max(years))
    try:
        start = pd.to_datetime(membership["join_date"]).dt.year
        end = pd.to_datetime(membership["leave_date"]).dt.year
    except (ValueError, TypeError) as exc:
        raise ReportError(f"membership: unreadable join_date/leave_date ({exc})") from None
    if start.isna().any():
        raise ReportError("membership: join_date missing for some rows")
    if (end < start).any():
        raise ReportError("membership: leave_date before join_date for some rows")
    lo = start.clip(lower=first).to_numpy(int)
    hi = end.fillna(last).clip(upper=last).to_numpy(int)
    length = np.clip(hi - lo + 1, 0, None)
    base = membership.loc[:, ["cluster", "firm_id", "member_type"]].reset_index(drop=True)
    rows = base.loc[np.repeat(np.arange(len(base)), length)].reset_index(drop=True)
    offset = np.arange(length.sum()) - np.repeat(np.cumsum(length) - length, length)
    rows["year"] = np.repeat(lo, length) + offset
    rows["cluster"] = rows["cluster"].astype(str)
    rows = rows.drop_duplicates(["cluster", "firm_id", "year"])
    every = rows.sort_values(["firm_id", "year", "member_type"], kind="mergesort").drop_duplicates(["firm_id", "year"])
    every = every.assign(cluster=ALL_CLUSTERS)
    return pd.concat([rows, every], ignore_index=True)


def _cluster_order(rows: pd.DataFrame) -> list[str]:
    return sorted(c for c in rows["cluster"].unique() if c != ALL_CLUSTERS) + [ALL_CLUSTERS]


def _years(panel: pd.DataFrame, years: Sequence[int] | None) -> list[int]:
    if years is not None:
        return sorted(int(y) for y in years)
    if panel.empty:
        raise ReportError("panel is empty and no years given")
    return list(range(int(panel["year"].min()), int(panel["year"].max()) + 1))


def _full_index(clusters: list[str], years: list[int]) -> pd.MultiIndex:
    return pd.MultiIndex.from_product([clusters, years], names=["cluster", "year"])


def _known_zero(n_firms: pd.Series) -> pd.Series:
    """Cells without a firm: their value is 0 and an attacker knows it (M1 prints the
    members listed and matched, the membership lists are public), so a suppressed
    empty cell protects nothing and needs no protection (issue 12, item 1)."""
    return n_firms.fillna(0) == 0


def _additive_relations(clusters: list[str], years: list[int], column: str) -> list[Relation]:
    # "All clusters" counts each firm once, so it equals the sum of the clusters only
    # without multi-cluster firms; treating it as a sum anyway is conservative.
    body = [c for c in clusters if c != ALL_CLUSTERS]
    return [Relation((ALL_CLUSTERS, y, column), tuple((c, y, column) for c in body)) for y in years]


def build_membership_table(
    membership: pd.DataFrame,
    panel: pd.DataFrame,
    notes: StudyNotes,
    rules: DisclosureRules = DisclosureRules(),
    decimals: int = 1,
    years: Sequence[int] | None = None,
    firm: str = "firm_id",
    name: str = "M1_membership",
    title: str = "Cluster membership by cluster and year",
) -> PublishedTable:
    """M1: members listed, matched to accounts, SME share, foreign-owned share.

    ``Members listed`` counts every listed member (all member types) from the public
    membership lists and is not suppressed. ``Matched to accounts`` counts members with
    a firm-year in ``panel``; it and the two shares (among matched members, in percent)
    need ``min_firms`` matched members, with secondary suppression of the matched
    counts against ``All clusters`` (an empty cell is a known zero, not a protector).
    """
    panel = _canonical(
        panel, {"firm_id": firm, "year": "year", "fte": "fte", "foreign_owned": "foreign_owned"}, "panel"
    )
    yrs = _years(panel, years)
    rows, panel = _encode_firms(member_years(membership, yrs, firm), panel)
    matched = rows.merge(panel[["firm_id", "year", "fte", "foreign_owned"]], on=["firm_id", "year"], how="inner")
    matched["sme"] = (matched["fte"] < SME_FTE_LIMIT).astype(float)
    clusters = _cluster_order(rows)
    idx = _full_index(clusters, yrs)
    listed = rows.groupby(["cluster", "year"])["firm_id"].nunique().reindex(idx, fill_value=0)
    m = (
        matched.groupby(["cluster", "year"])
        .agg(n=("firm_id", "nunique"), sme=("sme", "mean"), foreign=("foreign_owned", "mean"))
        .reindex(idx)
    )
    m["n"] = m["n"].fillna(0)
    reasons = primary_reasons(pd.DataFrame({"n_firms": m["n"]}), rules)
    cell_ids = pd.MultiIndex.from_tuples([(c, y, "n") for c, y in idx])
    sec = secondary_suppression(
        pd.Series(reasons.to_numpy(), index=cell_ids),
        _additive_relations(clusters, yrs, "n"),
        size=pd.Series(m["n"].to_numpy(), index=cell_ids),
        known=pd.Series(_known_zero(m["n"]).to_numpy(), index=cell_ids),
    )
    headers = ["Members listed", "Matched to accounts", "SME share (%)", "Foreign-owned share (%)"]
    grid = CellGrid(headers, ["Cluster", "Year"])
    for (c, y), r in zip(idx, sec.to_numpy()):
        k = float(m.loc[(c, y), "n"])
        grid.add_row(
            (c, str(y)),
            {
                "Members listed": format_count(listed.loc[(c, y)]),
                "Matched to accounts": format_count(k),
                "SME share (%)": format_number(100 * m.loc[(c, y), "sme"], decimals),
                "Foreign-owned share (%)": format_number(100 * m.loc[(c, y), "foreign"], decimals),
            },
            {
                "Members listed": float(listed.loc[(c, y)]),
                "Matched to accounts": k,
                "SME share (%)": k,
                "Foreign-owned share (%)": k,
            },
            None,
            {"Matched to accounts": r, "SME share (%)": r, "Foreign-owned share (%)": r},
        )
    footnote = notes.footnote(
        "Members listed: all member types on the cluster lists. Matched: members found in the annual accounts that year. "
        f"SME: fewer than {SME_FTE_LIMIT:.0f} FTE. All clusters counts each firm once.",
        rules=rules,
    )
    return grid.build(name, title, footnote, rules)


def build_flows_table(
    membership: pd.DataFrame,
    notes: StudyNotes,
    rules: DisclosureRules = DisclosureRules(),
    years: Sequence[int] | None = None,
    membership_is_public: bool = True,
    firm: str = "firm_id",
    name: str = "M2_flows",
    title: str = "Membership flows by cluster and year",
) -> PublishedTable:
    """M2: stayers, entrants, leavers and net change per cluster and year.

    Stayers are members in both y-1 and y, entrants in y but not y-1, leavers in y-1
    but not y; net change = entrants - leavers. The first year has no flows (blank).
    Membership lists are public, so by default nothing is suppressed; with
    ``membership_is_public=False`` the threshold rule applies to each count, with
    secondary suppression over ``entrants = leavers + net change`` and the
    ``All clusters`` totals.
    """
    membership = _membership(membership, firm)
    if years is None:
        start = pd.to_datetime(membership["join_date"]).dt.year
        end = pd.to_datetime(membership["leave_date"]).dt.year
        years = range(int(start.min()), int(max(start.max(), end.max() if end.notna().any() else start.max())) + 1)
    yrs = sorted(int(y) for y in years)
    rows = member_years(membership, [yrs[0] - 1, *yrs])[["cluster", "firm_id", "year"]]
    prev = rows.assign(year=rows["year"] + 1, before=True)
    now = rows.assign(now=True)
    both = now.merge(prev, on=["cluster", "firm_id", "year"], how="outer")
    both = both.loc[both["year"].isin(yrs[1:])]
    both["stayer"] = both["now"].eq(True) & both["before"].eq(True)
    both["entrant"] = both["now"].eq(True) & ~both["before"].eq(True)
    both["leaver"] = ~both["now"].eq(True) & both["before"].eq(True)
    clusters = _cluster_order(rows)
    idx = _full_index(clusters, yrs)
    flows = both.groupby(["cluster", "year"])[["stayer", "entrant", "leaver"]].sum().reindex(idx, fill_value=0)
    flows["net"] = flows["entrant"] - flows["leaver"]
    headers = {"stayer": "Stayers", "entrant": "Entrants", "leaver": "Leavers", "net": "Net change"}
    first = flows.index.get_level_values("year") == yrs[0]
    long = flows.stack().rename("value")
    long.index = long.index.set_names(["cluster", "year", "stat"])
    if membership_is_public:
        reasons = pd.Series("", index=long.index, dtype=object)
    else:
        count = long.abs().where(long.index.get_level_values("stat") != "net")
        reasons = primary_reasons(pd.DataFrame({"n_firms": count.fillna(float(rules.min_firms))}), rules)
        rels = [Relation((c, y, "entrant"), ((c, y, "leaver"), (c, y, "net"))) for c, y in idx if y != yrs[0]]
        for stat in ("stayer", "entrant", "leaver"):
            rels += _additive_relations(clusters, yrs[1:], stat)
        reasons = secondary_suppression(reasons, rels, size=long.abs())
    grid = CellGrid(list(headers.values()), ["Cluster", "Year"])
    for (c, y), is_first in zip(idx, first):
        values = {} if is_first else {h: format_count(flows.loc[(c, y), s]) for s, h in headers.items()}
        why = {} if is_first else {h: reasons.loc[(c, y, s)] for s, h in headers.items()}
        n = {} if is_first else {h: float(abs(flows.loc[(c, y), s])) for s, h in headers.items() if s != "net"}
        grid.add_row((c, str(y)), values, n, None, why)
    footnote = notes.footnote(
        "Stayers: members in the previous and the current year; entrants: members this year only; "
        "leavers: members last year only; net change = entrants - leavers. Source: cluster membership lists.",
        rules=None if membership_is_public else rules,
    )
    return grid.build(name, title, footnote, rules)


def _pooled_industry_statistics(panel: pd.DataFrame, industries: pd.DataFrame, idx: pd.MultiIndex) -> pd.DataFrame:
    """Disclosure statistics of all firms in each (cluster, year)'s set of industries.

    Computed from per-(year, industry) statistics instead of replicating the panel
    once per cluster: a firm-year belongs to one industry, so counts and totals add
    up, the largest contribution is the largest industry maximum, and the two largest
    are the two largest among every industry's top two.
    """
    ind = cell_statistics(panel, ["year", "nace2"], "firm_id", "value_added")
    ind["second"] = ind["top2_share"].fillna(0) * ind["total"] - ind["top1"]
    ind = ind.reset_index()
    cells = industries.merge(ind, on=["year", "nace2"], how="inner")
    sums = cells.groupby(["cluster", "year"])[["n_firms", "total"]].sum()
    tops = pd.concat(
        [
            cells[["cluster", "year", "top1"]].rename(columns={"top1": "x"}),
            cells[["cluster", "year", "second"]].rename(columns={"second": "x"}),
        ],
        ignore_index=True,
    ).sort_values(["cluster", "year", "x"], ascending=[True, True, False], kind="mergesort")
    ranked = tops.assign(rank=tops.groupby(["cluster", "year"]).cumcount())
    top1 = ranked.loc[ranked["rank"] == 0].set_index(["cluster", "year"])["x"]
    top2 = ranked.loc[ranked["rank"] <= 1].groupby(["cluster", "year"])["x"].sum()
    out = sums.assign(top1=top1, top2=top2).reindex(idx)
    out["n_firms"] = out["n_firms"].fillna(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["top2_share"] = np.where(out["total"] > 0, out["top2"] / out["total"], np.nan)
    out["remainder"] = out["total"] - out["top2"]
    return out.drop(columns="top2")


def _encode_firms(*frames: pd.DataFrame) -> list[pd.DataFrame]:
    """Replace ``firm_id`` by integer codes shared across frames: ids are never
    published, and integer keys make the merges and group-bys several times faster."""
    codes, _ = pd.factorize(pd.concat([f["firm_id"] for f in frames], ignore_index=True))
    out, start = [], 0
    for f in frames:
        out.append(f.assign(firm_id=codes[start : start + len(f)]))
        start += len(f)
    return out


def _magnitude_reasons(
    contributions: pd.DataFrame, magnitude: str, idx: pd.MultiIndex, rules: DisclosureRules
) -> tuple[pd.DataFrame, pd.Series]:
    stats = cell_statistics(contributions, ["cluster", "year"], "firm_id", magnitude).reindex(idx)
    stats["n_firms"] = stats["n_firms"].fillna(0)
    return stats, primary_reasons(stats, rules)


def _member_magnitude_reasons(
    contributions: pd.DataFrame, clusters: list[str], years: list[int], rules: DisclosureRules
) -> dict[str, tuple[pd.DataFrame, pd.Series]]:
    """Final reasons (primary and secondary) of the members' FTE and value added.

    Shared by M3, which prints them, and M4, whose members' cells must be hidden
    wherever either is (VA per FTE times a published VA gives the FTE; with both
    hidden, the ratio would tie them and two "All clusters" relations would solve
    for both). Each magnitude is protected within its year's "All clusters = sum of
    clusters" relation: cells without firms are known zeros, and the other hidden
    cells must add up to ``p_percent`` of each primary one.
    """
    idx = _full_index(clusters, years)
    out = {}
    for mag in ("fte", "value_added"):
        stats, reasons = _magnitude_reasons(contributions, mag, idx, rules)
        ids = pd.MultiIndex.from_tuples([(c, y, mag) for c, y in idx])
        sec = secondary_suppression(
            pd.Series(reasons.to_numpy(), index=ids),
            _additive_relations(clusters, years, mag),
            size=pd.Series(stats["total"].fillna(0).to_numpy(), index=ids),
            known=pd.Series(_known_zero(stats["n_firms"]).to_numpy(), index=ids),
            p_percent=rules.p_percent,
        )
        out[mag] = (stats, pd.Series(sec.to_numpy(), index=idx))
    return out


def build_weight_table(
    membership: pd.DataFrame,
    panel: pd.DataFrame,
    notes: StudyNotes,
    rules: DisclosureRules = DisclosureRules(),
    decimals: int = 1,
    years: Sequence[int] | None = None,
    firm: str = "firm_id",
    value_added: str = "value_added",
    name: str = "M3_weight",
    title: str = "Members' employment and value added and their share of the region",
) -> PublishedTable:
    """M3: members' FTE and value added (EUR million) and their share of the regional total.

    The regional total is the sum over all firms of ``panel`` in the year. Both
    magnitudes pass the threshold, dominance and p% rules; a share is suppressed with
    its total (the share times the published regional total would reveal it), and the
    totals get secondary suppression against ``All clusters``: cells without firms are
    known zeros (no protection), and the other hidden cells of the year must add up to
    at least ``p_percent`` of each primary one.
    """
    panel = _canonical(panel, {"firm_id": firm, "year": "year", "fte": "fte", "value_added": value_added}, "panel")
    yrs = _years(panel, years)
    rows, panel = _encode_firms(member_years(membership, yrs, firm), panel)
    contrib = rows.merge(panel[["firm_id", "year", "fte", "value_added"]], on=["firm_id", "year"], how="inner")
    clusters = _cluster_order(rows)
    idx = _full_index(clusters, yrs)
    region = panel.groupby("year")[["fte", "value_added"]].sum().reindex(yrs)
    sums = contrib.groupby(["cluster", "year"])[["fte", "value_added"]].sum().reindex(idx)
    headers = {
        "fte": ("Members' FTE", "FTE share of region (%)"),
        "value_added": ("Members' value added (EUR m)", "VA share of region (%)"),
    }
    texts: dict[tuple, dict[str, str]] = {k: {} for k in idx}
    n: dict[tuple, dict[str, float]] = {k: {} for k in idx}
    share2: dict[tuple, dict[str, float]] = {k: {} for k in idx}
    why: dict[tuple, dict[str, str]] = {k: {} for k in idx}
    solved = _member_magnitude_reasons(contrib, clusters, yrs, rules)
    for mag, (level_col, share_col) in headers.items():  # two magnitudes
        stats, sec = solved[mag]
        scale = 1e-6 if mag == "value_added" else 1.0
        for (c, y), r, k, s in zip(idx, sec.to_numpy(), stats["n_firms"], stats["top2_share"]):
            level = sums.loc[(c, y), mag]
            share = 100 * level / region.loc[y, mag] if region.loc[y, mag] else np.nan
            texts[(c, y)][level_col] = format_number(level * scale, 0 if mag == "fte" else decimals)
            texts[(c, y)][share_col] = format_number(share, decimals)
            for col in (level_col, share_col):
                n[(c, y)][col], share2[(c, y)][col], why[(c, y)][col] = k, s, r
    grid = CellGrid([h for pair in headers.values() for h in pair], ["Cluster", "Year"])
    for c, y in idx:
        grid.add_row((c, str(y)), texts[(c, y)], n[(c, y)], share2[(c, y)], why[(c, y)])
    footnote = notes.footnote(
        "FTE: average full-time equivalents; value added at current prices. Region: all firms of the analysis sample.",
        rules=rules,
    )
    return grid.build(name, title, footnote, rules)


def build_performance_table(
    membership: pd.DataFrame,
    panel: pd.DataFrame,
    notes: StudyNotes,
    rules: DisclosureRules = DisclosureRules(),
    decimals: int = 3,
    years: Sequence[int] | None = None,
    firm: str = "firm_id",
    value_added: str = "value_added",
    tfp: str = "tfp",
    name: str = "M4_performance",
    title: str = "Labour productivity and TFP of members, all firms and same-industry firms",
) -> PublishedTable:
    """M4: value added per FTE and mean log TFP; members vs all firms vs same industries.

    * Members: matched member firm-years of the cluster.
    * All firms: every firm of ``panel`` in the year.
    * Same industry: all firms of ``panel`` reweighted to the members' industry mix,
      ``sum_k w_k * level_k`` with ``w_k`` the members' share in industry ``k``
      (direct standardisation).

    VA per FTE is the ratio of sums in EUR thousand; TFP is the mean of log TFP.
    Growth: members' VA per FTE in % on the previous year, and TFP in log points x 100.
    Members' cells are suppressed wherever M3 suppresses the members' value added or
    FTE (primary or secondary): the ratio and M3's published totals would otherwise
    reveal one from the other. Same-industry cells are checked on the pooled firms of
    the members' industries. A growth cell is suppressed with either of its two levels.
    """
    panel = _canonical(
        panel,
        {"firm_id": firm, "year": "year", "nace2": "nace2", "fte": "fte", "value_added": value_added, "tfp": tfp},
        "panel",
    )
    yrs = _years(panel, years)
    rows, panel = _encode_firms(member_years(membership, yrs, firm), panel)
    clusters = _cluster_order(rows)
    idx = _full_index(clusters, yrs)
    p = panel.loc[panel["year"].isin(yrs), ["firm_id", "year", "nace2", "fte", "value_added", "tfp"]]
    mem = rows.merge(p, on=["firm_id", "year"], how="inner")
    g = mem.groupby(["cluster", "year"])
    members = pd.DataFrame({"lp": g["value_added"].sum() / g["fte"].sum() / 1e3, "tfp": g["tfp"].mean()}).reindex(idx)
    # The members' cells are hidden wherever M3 hides the members' value added or FTE,
    # primary or secondary: VA per FTE times a published VA total gives the FTE total,
    # and the mean TFP needs the same protectors in the "All clusters" relation.
    solved = _member_magnitude_reasons(mem, clusters, yrs, rules)
    stats_m, reasons_m = solved["value_added"]
    reasons_fte = solved["fte"][1]
    reasons_m = reasons_m.where(reasons_m != "", reasons_fte)
    ya = p.groupby("year")
    all_firms = pd.DataFrame({"lp": ya["value_added"].sum() / ya["fte"].sum() / 1e3, "tfp": ya["tfp"].mean()})
    stats_all = cell_statistics(p, ["year"], "firm_id", "value_added")
    reasons_all = primary_reasons(stats_all, rules)
    ind = p.groupby(["year", "nace2"])
    ind_level = pd.DataFrame({"lp": ind["value_added"].sum() / ind["fte"].sum() / 1e3, "tfp": ind["tfp"].mean()})
    weights = mem.groupby(["cluster", "year", "nace2"])["firm_id"].nunique().rename("w").reset_index()
    weights["w"] = weights["w"] / weights.groupby(["cluster", "year"])["w"].transform("sum")
    mix = weights.merge(ind_level.reset_index(), on=["year", "nace2"], how="left")
    same = (
        mix.assign(lp=mix["w"] * mix["lp"], tfp=mix["w"] * mix["tfp"])
        .groupby(["cluster", "year"])[["lp", "tfp"]]
        .sum(min_count=1)
        .reindex(idx)
    )
    stats_s = _pooled_industry_statistics(p, weights[["cluster", "year", "nace2"]], idx)
    reasons_s = primary_reasons(stats_s, rules)
    growth_lp = 100 * (members["lp"] / members.groupby(level="cluster")["lp"].shift(1) - 1)
    growth_tfp = 100 * (members["tfp"] - members.groupby(level="cluster")["tfp"].shift(1))
    prev_reason = reasons_m.groupby(level="cluster").shift(1).fillna("")
    headers = [
        "VA per FTE: members",
        "VA per FTE: all firms",
        "VA per FTE: same industry",
        "TFP: members",
        "TFP: all firms",
        "TFP: same industry",
        "VA per FTE growth: members (%)",
        "TFP growth: members (x100)",
    ]
    grid = CellGrid(headers, ["Cluster", "Year"])
    for (c, y), rm, rs, rp in zip(idx, reasons_m, reasons_s, prev_reason):
        ra = reasons_all.get(y, "")
        rg = rm or (f"{rp.split(':', 1)[0]}: previous year suppressed" if rp else "")
        k_m, k_s, k_a = (
            float(stats_m.loc[(c, y), "n_firms"]),
            float(stats_s.loc[(c, y), "n_firms"]),
            float(stats_all["n_firms"].get(y, 0)),
        )
        values = {
            headers[0]: format_number(members.loc[(c, y), "lp"], 1),
            headers[1]: format_number(all_firms["lp"].get(y), 1),
            headers[2]: format_number(same.loc[(c, y), "lp"], 1),
            headers[3]: format_number(members.loc[(c, y), "tfp"], decimals),
            headers[4]: format_number(all_firms["tfp"].get(y), decimals),
            headers[5]: format_number(same.loc[(c, y), "tfp"], decimals),
            headers[6]: format_number(growth_lp.loc[(c, y)], 1),
            headers[7]: format_number(growth_tfp.loc[(c, y)], 1),
        }
        n = dict(zip(headers, [k_m, k_a, k_s, k_m, k_a, k_s, k_m, k_m]))
        s_m, s_a, s_s = (
            stats_m.loc[(c, y), "top2_share"],
            stats_all["top2_share"].get(y, np.nan),
            stats_s.loc[(c, y), "top2_share"],
        )
        share = dict(zip(headers, [s_m, s_a, s_s, s_m, s_a, s_s, s_m, s_m]))
        why = dict(zip(headers, [rm, ra, rs, rm, ra, rs, rg, rg]))
        grid.add_row((c, str(y)), values, n, share, why)
    footnote = notes.footnote(
        "VA per FTE in EUR thousand (ratio of sums); TFP: mean log TFP. Same industry: all firms reweighted to the "
        "members' NACE 2-digit mix. Growth on the previous year for the members of each year.",
        rules=rules,
    )
    return grid.build(name, title, footnote, rules)
