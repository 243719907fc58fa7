"""Treatment timing per member firm and the membership-to-accounts match rate.

The treatment year of a firm is its first join across all clusters (study design,
section 2); only companies enter the TFP analysis.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from data_contracts.contracts import MEMBERSHIP_SCHEMA
from data_contracts.errors import DataContractError
from data_contracts.panel import _validated

TIMING_COLUMNS: tuple[str, ...] = (
    "enterprise_number", "first_join_date", "first_join_year", "entry_cohort", "first_clusters",
    "clusters", "n_clusters", "last_leave_year", "still_member",
)


def membership_timing(membership: pd.DataFrame, *, member_types: Sequence[str] = ("company",)) -> pd.DataFrame:
    """One row per member firm with its treatment timing.

    Parameters
    ----------
    membership : DataFrame
        Validated membership spells (``read_membership(...).accepted``, several lists
        may be concatenated).
    member_types : sequence of str
        Member types kept (default: companies only).

    Returns
    -------
    DataFrame
        ``enterprise_number``; ``first_join_date`` and ``first_join_year`` (the
        treatment date/year: earliest join across clusters); ``entry_cohort`` (the
        cohort *g* of staggered DiD estimators; equal to ``first_join_year``, kept as
        its own column so cohort pooling can change without touching the treatment
        year); ``first_clusters`` (cluster(s) joined on that date, ';'-joined);
        ``clusters`` (all clusters, sorted, ';'-joined); ``n_clusters``;
        ``last_leave_year`` (year of the last leave; <NA> while any spell is open);
        ``still_member`` (an open spell). Sorted by enterprise number.
    """
    _validated(membership, MEMBERSHIP_SCHEMA, "membership")
    m = membership[membership["member_type"].isin(list(member_types))]
    if m.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(TIMING_COLUMNS, (
            object, "datetime64[ns]", "int64", "int64", object, object, "int64", "Int64", bool))})
    g = m.groupby("enterprise_number", sort=True)
    first = g["join_date"].min()
    out = pd.DataFrame({"enterprise_number": first.index.to_numpy(dtype=object),
                        "first_join_date": first.to_numpy()})
    out["first_join_year"] = first.dt.year.to_numpy(dtype=np.int64)
    out["entry_cohort"] = out["first_join_year"]
    at_first = m[m["join_date"].to_numpy() == first.reindex(m["enterprise_number"]).to_numpy()]
    out["first_clusters"] = (at_first.drop_duplicates(["enterprise_number", "cluster"])
                             .sort_values(["enterprise_number", "cluster"])
                             .groupby("enterprise_number")["cluster"].agg(";".join)
                             .reindex(first.index).to_numpy(dtype=object))
    unique = m.drop_duplicates(["enterprise_number", "cluster"]).sort_values(["enterprise_number", "cluster"])
    out["clusters"] = unique.groupby("enterprise_number")["cluster"].agg(";".join).reindex(first.index).to_numpy(dtype=object)
    out["n_clusters"] = unique.groupby("enterprise_number").size().reindex(first.index).to_numpy(dtype=np.int64)
    open_spell = m["leave_date"].isna().groupby(m["enterprise_number"]).any().reindex(first.index).to_numpy()
    last_leave = g["leave_date"].max().dt.year.astype("Int64").to_numpy()
    out["last_leave_year"] = pd.array(np.where(open_spell, pd.NA, last_leave), dtype="Int64")
    out["still_member"] = open_spell.astype(bool)
    return out[list(TIMING_COLUMNS)]


def membership_match_rate(membership: pd.DataFrame, accounts: pd.DataFrame, *,
                          member_types: Sequence[str] = ("company",)) -> pd.DataFrame:
    """Share of listed members found in the accounts, by cluster and for all clusters.

    Parameters
    ----------
    membership, accounts : DataFrame
        Validated membership spells and accounts (any enterprise-number column in
        canonical spelling).

    Returns
    -------
    DataFrame
        ``cluster`` (the seven clusters present, then ``All clusters`` counting each
        firm once), ``members``, ``matched``, ``unmatched``, ``match_rate``; firms are
        distinct enterprise numbers of the kept member types.
    """
    if "enterprise_number" not in accounts.columns:
        raise DataContractError("accounts have no enterprise_number column")
    m = membership[membership["member_type"].isin(list(member_types))]
    m = m.drop_duplicates(["cluster", "enterprise_number"])
    known = m["enterprise_number"].isin(pd.unique(accounts["enterprise_number"]))
    per = m.assign(matched=known.to_numpy()).groupby("cluster", sort=True).agg(
        members=("enterprise_number", "size"), matched=("matched", "sum"))
    firms = m.assign(matched=known.to_numpy()).drop_duplicates("enterprise_number")
    total = pd.DataFrame({"members": [len(firms)], "matched": [int(firms["matched"].sum())]},
                         index=pd.Index(["All clusters"], name="cluster"))
    out = pd.concat([per, total]).rename_axis("cluster").reset_index()
    out["members"] = out["members"].astype(np.int64)
    out["matched"] = out["matched"].astype(np.int64)
    out["unmatched"] = out["members"] - out["matched"]
    out["match_rate"] = np.where(out["members"] > 0, out["matched"] / out["members"].clip(lower=1), np.nan)
    return out[["cluster", "members", "matched", "unmatched", "match_rate"]]
