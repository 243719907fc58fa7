"""Issue 12: the differencing attack on M1/M3, order statistics and the disclosure self-audit.

The attack tests play the attacker of the issue on published files only: "All
clusters" minus the published clusters, where M1 says a hidden cluster has no member.
With today's suppression the attack recovers nothing and the audit passes; with the
former suppression (a suppressed empty cell counted as protection, no p% protection)
it recovers the lone MEDVIA firm's FTE and value added, and the audit catches it.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reports import monitoring_tables as mt
from reports.audit import audit_publication
from reports.cli import register
from reports.disclosure import DisclosureRules, secondary_suppression
from reports.impact_tables import build_profile_table
from reports.notes import StudyNotes
from reports.render import write_table

NOTES = StudyNotes(sample="Simulated economy", estimator="TFP: simulated")
ATTACK_YEAR = 2024  # the year of the crafted economy (conftest.crafted_economy)


def _publish(out: Path, *tables) -> Path:
    for table in tables:
        write_table(table, out / "tables", companion_directory=out / "disclosure")
    return out


def _monitoring(membership, panel, rules=DisclosureRules()):
    return (
        mt.build_membership_table(membership, panel, NOTES, rules),
        mt.build_flows_table(membership, NOTES, rules),
        mt.build_weight_table(membership, panel, NOTES, rules),
        mt.build_performance_table(membership, panel, NOTES, rules),
    )


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def difference_attack(out: Path, year: int, column: str) -> dict[str, float]:
    """The attacker of issue 12 on the published CSVs: All clusters minus the published
    clusters, attributed to the one hidden cluster that M1 does not show as empty.
    Returns {cluster: recovered value}; empty when no hidden cluster stands alone."""
    m1 = pd.read_csv(out / "tables" / "M1_membership.csv", dtype=str).set_index(["Cluster", "Year"])
    m3 = pd.read_csv(out / "tables" / "M3_weight.csv", dtype=str).set_index(["Cluster", "Year"])
    rows = m3.xs(str(year), level="Year")[column]
    listed = m1.xs(str(year), level="Year")["Members listed"].map(_number)
    body = rows.drop("All clusters")
    hidden = [c for c in body.index if body[c] == "x" and listed[c] > 0]  # listed 0: known empty
    if len(hidden) != 1 or rows["All clusters"] == "x":
        return {}
    shown = sum(_number(v) for v in body if v != "x")
    return {hidden[0]: _number(rows["All clusters"]) - shown}


def _former_suppression(monkeypatch):
    """The secondary suppression before issue 12: hidden empty cells protect, no p%."""

    def former(reasons, relations, size=None, known=None, p_percent=0.0):
        return secondary_suppression(reasons, relations, size=size)

    monkeypatch.setattr(mt, "secondary_suppression", former)


def test_differencing_recovers_nothing(attack_inputs, tmp_path):
    membership, panel, lone = attack_inputs
    out = _publish(tmp_path, *_monitoring(membership, panel))
    m3 = pd.read_csv(out / "tables" / "M3_weight.csv", dtype=str).set_index(["Cluster", "Year"])
    assert m3.loc[("MEDVIA", str(ATTACK_YEAR)), "Members' FTE"] == "x"
    assert m3.loc[("SIM", str(ATTACK_YEAR)), "Members' FTE"] == "x"  # no member: known 0
    for column in ("Members' FTE", "Members' value added (EUR m)"):
        assert difference_attack(out, ATTACK_YEAR, column) == {}
    # All clusters minus everything published is MEDVIA plus a real protector, far
    # more than p = 10% above the lone firm
    firm = panel.loc[(panel["firm_id"] == lone) & (panel["year"] == ATTACK_YEAR)].iloc[0]
    year = m3.xs(str(ATTACK_YEAR), level="Year")["Members' FTE"]
    rest = _number(year["All clusters"]) - sum(_number(v) for c, v in year.items() if v != "x" and c != "All clusters")
    assert rest > 1.1 * firm["fte"]
    result = audit_publication(out)
    assert result.ok, result.summary()
    assert {"M1_membership", "M2_flows", "M3_weight", "M4_performance"} <= set(result.tables)


def test_former_suppression_leaks_and_the_audit_catches_it(attack_inputs, tmp_path, monkeypatch):
    membership, panel, lone = attack_inputs
    _former_suppression(monkeypatch)
    out = _publish(tmp_path, *_monitoring(membership, panel))
    firm = panel.loc[(panel["firm_id"] == lone) & (panel["year"] == ATTACK_YEAR)].iloc[0]
    fte = difference_attack(out, ATTACK_YEAR, "Members' FTE")
    va = difference_attack(out, ATTACK_YEAR, "Members' value added (EUR m)")
    assert set(fte) == {"MEDVIA"}
    assert fte["MEDVIA"] == pytest.approx(firm["fte"], abs=0.5 * 8)  # rounding of 8 printed cells
    assert va["MEDVIA"] == pytest.approx(firm["value_added"] / 1e6, abs=0.05 * 8)
    result = audit_publication(out)
    assert not result.ok
    found = {(leak.table, leak.row, leak.column): leak for leak in result.leaks}
    leak = found[("M3_weight", f"MEDVIA | {ATTACK_YEAR}", "Members' FTE")]
    assert leak.lower <= firm["fte"] <= leak.upper and leak.upper - leak.lower <= 8
    assert ("M3_weight", f"MEDVIA | {ATTACK_YEAR}", "Members' value added (EUR m)") in found
    count = found[("M1_membership", f"MEDVIA | {ATTACK_YEAR}", "Matched to accounts")]
    assert (count.lower, count.upper) == pytest.approx((1.0, 1.0))
    assert "MEDVIA | 2024 / Members' FTE: recovered [" in result.summary()


def test_audit_cli_exit_codes(attack_inputs, tmp_path, monkeypatch, capsys):
    import argparse

    membership, panel, _ = attack_inputs
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    safe = _publish(tmp_path / "safe", *_monitoring(membership, panel)[:3])
    args = parser.parse_args(["report", "audit", str(safe)])
    assert args.func(args) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("ok: 0 leak(s)")
    _former_suppression(monkeypatch)
    leaky = _publish(tmp_path / "leaky", *_monitoring(membership, panel)[:3])
    args = parser.parse_args(["report", "audit", str(leaky)])
    assert args.func(args) == 1
    err = capsys.readouterr().err
    assert f"M3_weight: MEDVIA | {ATTACK_YEAR} / Members' FTE: recovered" in err
    assert err.strip().splitlines()[-1].startswith("LEAK:")
    args = parser.parse_args(["report", "audit", str(tmp_path / "absent")])
    assert args.func(args) == 1
    assert "no tables/ folder" in capsys.readouterr().err


@pytest.mark.parametrize("seed", [7, 8, 9])
def test_the_monitoring_tables_and_profile_pass_the_audit(seed, tmp_path, monitoring_simulator):
    membership, panel = monitoring_simulator(seed=seed)
    firms = panel.loc[panel["year"] == 2014, ["firm_id", "fte", "value_added", "tfp"]].assign(
        member=lambda f: f["firm_id"].isin(membership["firm_id"])
    )
    t1 = build_profile_table(firms, ["fte", "value_added", "tfp"], NOTES, magnitudes=["fte", "value_added"])
    out = _publish(tmp_path, *_monitoring(membership, panel), t1)
    result = audit_publication(out)
    assert result.ok, result.summary()
    assert result.n_suppressed > 0 and result.n_relations > 0


def test_m4_members_are_hidden_wherever_m3_hides_a_magnitude(monitoring_inputs):
    membership, panel = monitoring_inputs
    _, _, m3, m4 = _monitoring(membership, panel)
    level_hidden = (m3.frame["Members' FTE"] == "x") | (m3.frame["Members' value added (EUR m)"] == "x")
    assert ((m4.frame["VA per FTE: members"] == "x") == level_hidden).all()
    assert ((m4.frame["TFP: members"] == "x") == level_hidden).all()
    secondary = m3.disclosure.loc[m3.disclosure["suppressed_reason"].str.startswith("secondary")]
    assert len(secondary)  # the simulated economy needs secondary suppression somewhere


# ------------------------------------------------------------------ hand-made publications


def _write(out: Path, name: str, csv: str, footnote: str = "") -> None:
    (out / "tables").mkdir(parents=True, exist_ok=True)
    (out / "tables" / f"{name}.csv").write_text(csv)
    rules = DisclosureRules()
    note = footnote or (
        f"Cells marked x are suppressed (disclosure control: at least {rules.min_firms} firms, top-2 share at most "
        f"85%, p% rule with p = 10%, residual df at least 10, every dummy at least 10 firms, secondary suppression of totals)."
    )
    (out / "tables" / f"{name}.md").write_text(f"**{name}**\n\n| table |\n\n_{note}_\n")


M1 = """Cluster,Year,Members listed,Matched to accounts,SME share (%),Foreign-owned share (%)
A,2024,40,30,90.0,10.0
B,2024,12,x,x,x
C,2024,25,x,x,x
All clusters,2024,77,52,88.5,9.6
"""


def test_audit_solves_two_hidden_cells_tied_by_a_published_ratio(tmp_path):
    # M3 hides B and C (2 unknowns in each year relation: safe on its own), but M4
    # publishes both VA-per-FTE ratios: two equations, two unknowns. 1000 VA = r FTE.
    _write(tmp_path, "M1_membership", M1)
    _write(
        tmp_path,
        "M3_weight",
        "Cluster,Year,Members' FTE,FTE share of region (%),Members' value added (EUR m),VA share of region (%)\n"
        "A,2024,600,2.0,60.0,2.5\nB,2024,x,x,x,x\nC,2024,x,x,x,x\nAll clusters,2024,1000,3.3,90.0,3.8\n",
    )
    # truth: B 100 FTE, VA 20.0 (ratio 200.0); C 300 FTE, VA 10.0 (ratio 33.3)
    _write(
        tmp_path,
        "M4_performance",
        "Cluster,Year,VA per FTE: members,VA per FTE growth: members (%),TFP: members,TFP growth: members (x100)\n"
        "A,2024,100.0,,9.000,\nB,2024,200.0,,x,\nC,2024,33.3,,x,\nAll clusters,2024,90.0,,9.100,\n",
    )
    result = audit_publication(tmp_path)
    found = {(x.row, x.column): x for x in result.leaks if x.table == "M3_weight"}
    fte = found[("B | 2024", "Members' FTE")]
    assert fte.lower <= 100 <= fte.upper and fte.upper - fte.lower < 5
    assert ("C | 2024", "Members' value added (EUR m)") in found


def test_audit_uses_overlap_and_known_zeros(tmp_path):
    # listed members of the clusters sum to "All clusters" (no multi-cluster firm), B
    # has none listed: C = All - A exactly.
    m1 = M1.replace("B,2024,12,x,x,x", "B,2024,0,x,x,x").replace("77,52", "65,52")
    _write(tmp_path, "M1_membership", m1)
    m3 = (
        "Cluster,Year,Members' FTE,FTE share of region (%),Members' value added (EUR m),VA share of region (%)\n"
        "A,2024,600,2.0,60.0,2.5\nB,2024,x,x,x,x\nC,2024,x,x,x,x\nAll clusters,2024,1000,3.3,90.0,3.8\n"
    )
    _write(tmp_path, "M3_weight", m3)
    leaks = {(x.table, x.row, x.column): x for x in audit_publication(tmp_path).leaks}
    c = leaks[("M3_weight", "C | 2024", "Members' FTE")]
    assert (c.lower, c.upper) == pytest.approx((399, 401), abs=0.51)
    assert ("M3_weight", "B | 2024", "Members' FTE") not in leaks  # known 0: nothing to protect
    # 22 matched for C: M1's own hidden count is pinned too
    assert leaks[("M1_membership", "C | 2024", "Matched to accounts")].lower == pytest.approx(22)
    # with a multi-cluster firm on the lists, All clusters <= sum: C is only bounded below
    _write(tmp_path, "M1_membership", m1.replace("A,2024,40", "A,2024,41"))
    assert audit_publication(tmp_path).ok


def test_audit_follows_growth_rates_to_a_hidden_level(tmp_path):
    _write(
        tmp_path,
        "M4_performance",
        "Cluster,Year,VA per FTE: members,VA per FTE growth: members (%),TFP: members,TFP growth: members (x100)\n"
        "A,2023,x,x,x,x\nA,2024,150.0,10.0,9.400,5.0\n"
        "All clusters,2023,100.0,,9.000,\nAll clusters,2024,110.0,10.0,9.100,10.0\n",
    )
    leaks = {(x.row, x.column): x for x in audit_publication(tmp_path).leaks}
    tfp = leaks[("A | 2023", "TFP: members")]
    assert tfp.lower <= 9.35 <= tfp.upper
    ratio = leaks[("A | 2023", "VA per FTE: members")]
    assert ratio.lower <= 150 / 1.1 <= ratio.upper


PROFILE = """Variable,Members: mean,Members: SD,Members: median,Members: N,Non-members: mean,Non-members: SD,Non-members: median,Non-members: N,Std. diff.
FTE,x,x,x,x,12.0,30.0,5.0,500,x
Log TFP,9.1,0.5,9.2,13,9.0,0.5,9.0,500,0.2
"""


def test_audit_of_the_profile_table(tmp_path):
    base = (
        "Cells marked x are suppressed (disclosure control: at least 10 firms, top-2 share at most 85%, p% rule "
        "with p = 10%, residual df at least 10, every dummy at least 10 firms, secondary suppression of totals)."
    )
    _write(tmp_path, "T1_pre_membership_profile", PROFILE, base)
    leaks = {(x.row, x.column): x for x in audit_publication(tmp_path).leaks}
    assert leaks[("FTE", "Members: mean")].kind == "complement"  # all firms minus the non-members
    assert leaks[("Log TFP", "Members: median")].kind == "order statistic"  # a plain median
    _write(tmp_path, "T1_pre_membership_profile", PROFILE, base + " Median: mean of the middle 10 values.")
    leaks = {(x.row, x.column): x for x in audit_publication(tmp_path).leaks}
    # 13 members, middle 11: the 2 firms left out have a known sum
    assert leaks[("Log TFP", "Members: median")].kind == "complement"
    assert ("Log TFP", "Non-members: median") not in leaks  # 500 - 10 = 490 left out


def test_quantile_columns_anywhere_are_leaks(tmp_path):
    _write(tmp_path, "X1_sizes", "Group,min,p25,mean\nA,3.0,5.0,7.0\n")
    leaks = audit_publication(tmp_path).leaks
    assert {x.column for x in leaks} == {"min", "p25"}


def test_t5_member_counts(tmp_path):
    t5 = (
        "Dimension,Group,Effect,SE,Effect in %,N obs,N firms,N members\n"
        "Size class,small,0.01,(0.01),1.0,100,50,30\nSize class,large,0.02,(0.01),2.0,100,50,20\n"
        "Cluster,A,0.01,(0.01),1.0,100,50,45\nCluster,B,x,x,x,x,x,x\n"
    )
    _write(tmp_path, "T5_heterogeneity", t5)
    leaks = audit_publication(tmp_path).leaks
    assert [(x.row, x.lower) for x in leaks] == [("Cluster | B", pytest.approx(5.0))]
    whole = t5.replace("Cluster,A,0.01,(0.01),1.0,100,50,45", "Cluster,A,x,x,x,x,x,x")
    _write(tmp_path, "T5_heterogeneity", whole)
    assert audit_publication(tmp_path).ok  # the whole block hidden: 50 = A + B only


def test_companions_are_not_read(tmp_path):
    _write(tmp_path, "M1_membership", M1)
    (tmp_path / "tables" / "M1_membership_disclosure.csv").write_text("table,row,column\nM1,B | 2024,x\n")
    result = audit_publication(tmp_path)
    assert "M1_membership_disclosure" not in (*result.tables, *result.not_audited)


def test_audit_recovers_a_hidden_mean_tfp_from_counts_and_the_total(tmp_path):
    # no multi-cluster firm (listed 40 + 12 = 52), counts published: S_B = 42 x 9.143 - 30 x 9.000
    _write(
        tmp_path,
        "M1_membership",
        "Cluster,Year,Members listed,Matched to accounts,SME share (%),Foreign-owned share (%)\n"
        "A,2024,40,30,90.0,10.0\nB,2024,12,12,100.0,0.0\nAll clusters,2024,52,42,92.9,7.1\n",
    )
    _write(
        tmp_path,
        "M4_performance",
        "Cluster,Year,VA per FTE: members,VA per FTE growth: members (%),TFP: members,TFP growth: members (x100)\n"
        "A,2024,100.0,,9.000,\nB,2024,x,,x,\nAll clusters,2024,90.0,,9.143,\n",
    )
    leaks = {(x.row, x.column): x for x in audit_publication(tmp_path).leaks}
    tfp = leaks[("B | 2024", "TFP: members")]
    assert tfp.lower <= 9.5 <= tfp.upper and tfp.upper - tfp.lower < 0.01
