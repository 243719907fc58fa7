"""Reader for cluster membership lists (CSV, Parquet or the organisations' .xlsx).

Each row is a membership spell: cluster, enterprise number, member type, join date,
optional leave date. Rows are quarantined for unknown clusters or member types,
invalid enterprise numbers, unparseable dates, a leave date before the join date,
and exact duplicates of (cluster, enterprise, join date) (the later row wins, as for
corrected account filings). Joins before a cluster's start or after its end are
kept and counted in the report's notes: lists of the first clusters carry over
members of predecessor organisations, and dropping them would move treatment dates.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from data_contracts import layouts
from data_contracts.contracts import (
    MEMBERSHIP_COLUMNS, MEMBERSHIP_KEY, RULE_LEAVE_BEFORE_JOIN, membership_schema,
)
from data_contracts.enterprise_number import normalise_enterprise_numbers
from data_contracts.parsing import map_unique, normalise_category, parse_dates
from data_contracts.reading import extra_columns, finish, start_quarantine
from data_contracts.results import IngestResult
from data_contracts.tabular import read_raw_table
from data_contracts.validation import finalise_accepted, quarantine_violations

RULE_DUPLICATE_SPELL = "duplicate_membership"

CLUSTER_ALIASES: dict[str, str] = {name.lower(): name for name in layouts.SPEARHEAD_CLUSTERS} | {
    "flanders food": "Flanders' FOOD", "flanders’ food": "Flanders' FOOD", "flandersfood": "Flanders' FOOD",
    "de blauwe cluster": "De Blauwe Cluster", "blauwe cluster": "De Blauwe Cluster",
    "the blue cluster": "De Blauwe Cluster",
    "sim": "SIM", "vil": "VIL", "medvia": "MEDVIA", "flux 50": "Flux50",
}
MEMBER_TYPE_ALIASES: dict[str, str] = {t: t for t in layouts.MEMBER_TYPES} | {
    "company": "company", "enterprise": "company", "firm": "company", "bedrijf": "company",
    "onderneming": "company", "entreprise": "company",
    "knowledge_institution": "knowledge institution", "kennisinstelling": "knowledge institution",
    "university": "knowledge institution", "research institute": "knowledge institution",
    "government": "government", "overheid": "government", "public authority": "government",
    "other": "other", "andere": "other", "autre": "other",
}
_ORDER = tuple(c.name for c in MEMBERSHIP_COLUMNS)


def read_membership(path: str | Path, *, sheet: str | int | None = None) -> IngestResult:
    """Read and validate a cluster membership list.

    Parameters
    ----------
    path : str or Path
        CSV, Parquet or Excel (.xlsx) file with the columns ``cluster``,
        ``enterprise_number``, ``member_type``, ``join_date``, ``leave_date`` (study
        design, section 2); a title or extra header row above the header is skipped.
    sheet : str or int, optional
        Excel sheet (default: the first).

    Returns
    -------
    IngestResult
        ``accepted`` satisfies :data:`data_contracts.MEMBERSHIP_SCHEMA`.
    """
    required = tuple(c for c in layouts.MEMBERSHIP_COLUMNS if c != "leave_date")
    raw = read_raw_table(path, required, sheet=sheet)
    t = raw.table
    q = start_quarantine(raw)
    frame = pd.DataFrame(index=pd.RangeIndex(t.num_rows))
    frame["cluster"] = normalise_category(t.column("cluster"), CLUSTER_ALIASES)
    canonical, rule = map_unique(t.column("enterprise_number"), lambda d: normalise_enterprise_numbers(
        d, text_dtype="string[pyarrow]"))
    bad = rule.notna().to_numpy() & (rule != "required_missing").to_numpy()
    q.add(bad, "enterprise_number", rule.to_numpy()[bad])
    frame["enterprise_number"] = canonical.array
    frame["member_type"] = normalise_category(t.column("member_type"), MEMBER_TYPE_ALIASES)
    for column in ("join_date", "leave_date"):
        if column in t.column_names:
            values, rule = parse_dates(t.column(column))
            bad = pd.notna(rule)
            q.add(bad, column, rule[bad])
        else:
            values = np.full(t.num_rows, np.datetime64("NaT"), dtype="datetime64[ns]")
        frame[column] = values
    quarantine_violations(frame, membership_schema(unique=False, for_rows=True), q,
                          frame_check_column={RULE_LEAVE_BEFORE_JOIN: "leave_date"})

    ok = frame[~q.rejected]
    dup = ok.duplicated(["cluster", "enterprise_number", "join_date"], keep="last")
    q.add(dup.index.to_numpy()[dup.to_numpy()], "join_date", RULE_DUPLICATE_SPELL)
    accepted = frame[~q.rejected][list(_ORDER)].copy()
    accepted.index = pd.Index(raw.rows[accepted.index.to_numpy()], name="row")
    accepted = finalise_accepted(accepted, membership_schema(unique=False), MEMBERSHIP_KEY)

    notes = _calendar_notes(accepted) + _repeated_spell_notes(accepted)
    absent = () if "leave_date" in t.column_names else ("leave_date",)
    extra_names, extra = extra_columns(raw, layouts.MEMBERSHIP_COLUMNS)
    return finish(raw, "membership", q, accepted, extra, extra_names, decimal=None,
                  absent=absent, notes=notes, records_accepted=len(accepted))


def _repeated_spell_notes(accepted: pd.DataFrame) -> list[str]:
    """Count firms listed more than once by one cluster (kept, and said so).

    A spell that starts before the firm's previous spell in the same cluster has
    ended overlaps it (a list kept by two people, a renewal entered as a new row);
    one that starts after it ended is a leave and a rejoin. Both are kept: the
    treatment year is the firm's first join whatever the later rows say
    (:func:`data_contracts.membership_timing` takes the earliest join, the latest
    leave and any open spell), and monitoring counts a firm once per cluster-year.
    Notes carry row numbers, never enterprise numbers.
    """
    spells = accepted.reset_index().sort_values(["cluster", "enterprise_number", "join_date"], kind="stable")
    same = spells.duplicated(["cluster", "enterprise_number"]).to_numpy()
    open_end = spells["leave_date"].fillna(pd.Timestamp.max)
    ended = open_end.groupby([spells["cluster"], spells["enterprise_number"]], sort=False).cummax()
    previous_end = ended.groupby([spells["cluster"], spells["enterprise_number"]], sort=False).shift(1)
    overlap = same & (spells["join_date"] <= previous_end).to_numpy()
    notes = []
    for mask, what in ((overlap, "overlap an earlier spell of the same firm in the same cluster"),
                       (same & ~overlap, "rejoin a cluster the firm had left")):
        if mask.any():
            rows = spells["row"].to_numpy()[mask]
            shown = ", ".join(map(str, rows[:5])) + (", ..." if len(rows) > 5 else "")
            notes.append(f"{int(mask.sum())} spell(s) {what} (rows {shown}; kept: the treatment year is "
                         "the first join, and a firm counts once per cluster and year)")
    return notes


def _calendar_notes(accepted: pd.DataFrame) -> list[str]:
    """Count joins outside each cluster's period of operation (kept, but reported)."""
    start = accepted["cluster"].map({k: pd.Timestamp(v[0]) for k, v in layouts.SPEARHEAD_CLUSTERS.items()})
    end = accepted["cluster"].map({k: pd.Timestamp(v[1]) if v[1] else pd.NaT
                                   for k, v in layouts.SPEARHEAD_CLUSTERS.items()})
    notes = []
    early = int((accepted["join_date"] < start).sum())
    late = int((accepted["join_date"] > end).sum())
    if early:
        notes.append(f"{early} spell(s) join before their cluster's start date (kept)")
    if late:
        notes.append(f"{late} spell(s) join after their cluster's end date (kept)")
    return notes
