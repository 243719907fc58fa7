"""Treatment timing per member company and the membership match rate."""

from __future__ import annotations

import numpy as np
import pandas as pd

import data_contracts as dc

from contracts_testkit import valid_number

A, B, C, K = (valid_number(b) for b in (4_031_707, 2_022_399, 4_174_971, 1_234_567))


def spells() -> pd.DataFrame:
    rows = [
        ("VIL", A, "company", "2019-05-01", None),
        ("Catalisti", A, "company", "2018-03-01", "2020-12-31"),
        ("Flux50", A, "company", "2018-03-01", None),
        ("SIM", B, "company", "2017-02-01", "2021-06-30"),
        ("MEDVIA", B, "company", "2022-01-10", "2023-01-01"),
        ("VIL", C, "company", "2020-01-01", None),
        ("VIL", C, "company", "2022-06-01", None),          # second spell in the same cluster
        ("SIM", K, "knowledge institution", "2017-01-01", None),
    ]
    frame = pd.DataFrame(rows, columns=["cluster", "enterprise_number", "member_type", "join_date", "leave_date"])
    frame["join_date"] = pd.to_datetime(frame["join_date"])
    frame["leave_date"] = pd.to_datetime(frame["leave_date"])
    return dc.MEMBERSHIP_SCHEMA.validate(frame)


def test_membership_timing_by_hand() -> None:
    timing = dc.membership_timing(spells()).set_index("enterprise_number")
    assert list(timing.index) == sorted([A, B, C])  # companies only
    assert timing.loc[A, "first_join_year"] == 2018 and timing.loc[A, "entry_cohort"] == 2018
    assert timing.loc[A, "first_join_date"] == pd.Timestamp("2018-03-01")
    assert timing.loc[A, "first_clusters"] == "Catalisti;Flux50"
    assert timing.loc[A, "clusters"] == "Catalisti;Flux50;VIL" and timing.loc[A, "n_clusters"] == 3
    assert pd.isna(timing.loc[A, "last_leave_year"]) and timing.loc[A, "still_member"]
    assert timing.loc[B, "first_join_year"] == 2017 and timing.loc[B, "clusters"] == "MEDVIA;SIM"
    assert timing.loc[B, "last_leave_year"] == 2023 and not timing.loc[B, "still_member"]
    assert timing.loc[C, "n_clusters"] == 1 and timing.loc[C, "first_join_year"] == 2020
    assert timing["first_join_year"].dtype == np.int64
    assert str(timing["last_leave_year"].dtype) == "Int64"


def test_membership_timing_other_member_types_and_empty() -> None:
    timing = dc.membership_timing(spells(), member_types=("knowledge institution",))
    assert timing["enterprise_number"].tolist() == [K]
    empty = dc.membership_timing(spells(), member_types=("government",))
    assert empty.empty and list(empty.columns) == list(timing.columns)


def test_match_rate_by_cluster_counts_unmatched_members() -> None:
    accounts = pd.DataFrame({"enterprise_number": [A, A, C], "year": [2019, 2020, 2020]})
    rate = dc.membership_match_rate(spells(), accounts).set_index("cluster")
    assert rate.loc["VIL"].tolist() == [2, 2, 0, 1.0]
    assert rate.loc["SIM"].tolist() == [1, 0, 1, 0.0]       # B has no accounts; K is not a company
    assert rate.loc["All clusters"].tolist() == [3, 2, 1, 2 / 3]
    assert rate.index[-1] == "All clusters"
