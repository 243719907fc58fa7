"""Disclosure rules: threshold, dominance, p%, secondary suppression, regression cells."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.disclosure import (
    DOMINANCE,
    DUMMY_COVERAGE,
    MIN_FIRMS,
    P_RULE,
    RESIDUAL_DF,
    SECONDARY,
    DisclosureRules,
    Relation,
    cell_statistics,
    grid_relations,
    primary_reasons,
    reason_code,
    regression_reason,
    secondary_suppression,
)
from reports.errors import ReportError

RULES = DisclosureRules()


def _cells(spec: dict[str, list[float]]) -> pd.DataFrame:
    """Contributions: cell -> list of per-firm magnitudes (distinct firm ids)."""
    rows = [(cell, f"{cell}-{i}", v) for cell, values in spec.items() for i, v in enumerate(values)]
    return pd.DataFrame(rows, columns=["cell", "firm", "value"])


def test_defaults_are_the_study_design():
    assert (RULES.min_firms, RULES.dominance_top2_share, RULES.p_percent) == (10, 0.85, 0.10)
    assert (RULES.min_residual_df, RULES.min_dummy_firms) == (10, 10)


def test_nine_firms_are_suppressed_ten_are_not():
    data = _cells({"nine": [100.0] * 9, "ten": [100.0] * 10})
    stats = cell_statistics(data, ["cell"], "firm", "value")
    reasons = primary_reasons(stats, RULES)
    assert reason_code(reasons["nine"]) == MIN_FIRMS
    assert "9 firms < 10" in reasons["nine"]
    assert reasons["ten"] == ""
    assert stats.loc["nine", "n_firms"] == 9


def test_a_dominant_firm_is_suppressed_with_the_dominance_reason():
    # 12 firms; the largest two hold 1,000 + 200 of 1,300 = 92% > 85%
    data = _cells({"dominated": [1000.0, 200.0] + [10.0] * 10, "spread": [100.0] * 12})
    stats = cell_statistics(data, ["cell"], "firm", "value")
    reasons = primary_reasons(stats, RULES)
    assert stats.loc["dominated", "top2_share"] == pytest.approx(1200 / 1300)
    assert reason_code(reasons["dominated"]) == DOMINANCE
    assert reasons["spread"] == ""


def test_top2_share_at_exactly_the_limit_is_published():
    # x1 + x2 = 85 of 100 over 10 firms
    data = _cells({"edge": [45.0, 40.0] + [15.0 / 8] * 8})
    reasons = primary_reasons(cell_statistics(data, ["cell"], "firm", "value"), RULES)
    assert reasons["edge"] == ""


def test_p_percent_rule():
    # With k = 85% dominance implies the p% rule at p = 10% (remainder >= 15% of the
    # total > 10% of the largest), so the p% rule is checked with dominance switched off.
    rules = DisclosureRules(dominance_top2_share=1.0, p_percent=0.10)
    # remainder 8 < 10% of the largest (100): the runner-up can estimate the leader
    fails = _cells({"c": [100.0, 50.0] + [1.0] * 8})
    passes = _cells({"c": [100.0, 50.0] + [1.25] * 8})  # remainder 10 = 10% of 100
    assert reason_code(primary_reasons(cell_statistics(fails, ["cell"], "firm", "value"), rules)["c"]) == P_RULE
    assert primary_reasons(cell_statistics(passes, ["cell"], "firm", "value"), rules)["c"] == ""


def test_firms_count_once_and_negative_contributions_dominate_too():
    # a firm with several rows (firm-years) counts once; a large loss is a large magnitude
    data = pd.DataFrame(
        {
            "cell": ["a"] * 12,
            "firm": ["f1", "f1", "f1"] + [f"g{i}" for i in range(9)],
            "value": [-500.0, -500.0, -500.0] + [10.0] * 9,
        }
    )
    stats = cell_statistics(data, ["cell"], "firm", "value")
    assert stats.loc["a", "n_firms"] == 10
    assert stats.loc["a", "total"] == pytest.approx(1590.0)
    assert reason_code(primary_reasons(stats, RULES)["a"]) == DOMINANCE


def test_count_only_cells_have_no_dominance_statistics():
    data = _cells({"a": [1.0] * 12})
    stats = cell_statistics(data, ["cell"], "firm")
    assert stats.loc["a", "n_firms"] == 12
    assert np.isnan(stats.loc["a", "top2_share"])
    assert primary_reasons(stats, RULES)["a"] == ""


def test_a_total_that_would_reveal_a_single_suppressed_cell():
    # total = a + b + c; a has 9 firms. Publishing total, b, c would give a = total - b - c,
    # so the smallest eligible component (c) is suppressed too.
    data = _cells({"a": [10.0] * 9, "b": [30.0] * 20, "c": [20.0] * 15})
    data = pd.concat([data, data.assign(cell="total")], ignore_index=True)
    stats = cell_statistics(data, ["cell"], "firm", "value")
    primary = primary_reasons(stats, RULES)
    assert reason_code(primary["a"]) == MIN_FIRMS
    assert (primary[["b", "c", "total"]] == "").all()
    final = secondary_suppression(primary, [Relation("total", ("a", "b", "c"))], size=stats["total"])
    assert reason_code(final["c"]) == SECONDARY
    assert final["c"] == "secondary: protects a"
    assert final["b"] == "" and final["total"] == ""
    assert final["a"] == primary["a"]


def test_secondary_choice_is_the_smallest_and_ties_go_by_position():
    reasons = pd.Series({"t": "", "a": "min_firms: 3 firms < 10", "b": "", "c": "", "d": ""})
    size = pd.Series({"t": 100.0, "a": 3.0, "b": 40.0, "c": 20.0, "d": 20.0})
    out = secondary_suppression(reasons, [Relation("t", ("a", "b", "c", "d"))], size=size)
    assert reason_code(out["c"]) == SECONDARY and out["d"] == ""


def test_suppressed_total_gets_a_component_suppressed():
    reasons = pd.Series({"t": "dominance: top-2 share 90.0% > 85%", "a": "", "b": ""})
    out = secondary_suppression(reasons, [Relation("t", ("a", "b"))], size=pd.Series({"t": 9.0, "a": 5.0, "b": 4.0}))
    assert reason_code(out["b"]) == SECONDARY and out["a"] == ""


def test_secondary_suppression_cascades_through_a_grid():
    # 2 x 2 body with row and column totals; one primary cell forces a rectangle
    rows, cols = ["r1", "r2", "T"], ["c1", "c2", "T"]
    rels = grid_relations(rows, cols, row_total="T", column_total="T")
    ids = pd.MultiIndex.from_product([rows, cols])
    reasons = pd.Series("", index=ids, dtype=object)
    reasons[("r1", "c1")] = "min_firms: 4 firms < 10"
    out = secondary_suppression(reasons, rels)
    for rel in rels:
        hidden = sum(out[c] != "" for c in (rel.total, *rel.components))
        assert hidden != 1
    assert (out != "").sum() == 4  # the four body cells; totals stay published


relation_sets = st.integers(min_value=2, max_value=5).flatmap(
    lambda k: st.tuples(st.just(k), st.lists(st.booleans(), min_size=(k + 1) * (k + 1), max_size=(k + 1) * (k + 1)))
)


@settings(max_examples=60, deadline=None)
@given(relation_sets)
def test_no_relation_is_left_with_exactly_one_suppressed_cell(case):
    k, flags = case
    rows = [f"r{i}" for i in range(k)] + ["T"]
    cols = [f"c{i}" for i in range(k)] + ["T"]
    ids = pd.MultiIndex.from_product([rows, cols])
    reasons = pd.Series(["min_firms: 1 firms < 10" if f else "" for f in flags], index=ids, dtype=object)
    rels = grid_relations(rows, cols, row_total="T", column_total="T")
    out = secondary_suppression(reasons, rels)
    assert ((out != "") | (reasons == "")).all()  # primary suppressions are kept
    for rel in rels:
        assert sum(out[c] != "" for c in (rel.total, *rel.components)) != 1


def test_secondary_suppression_rejects_unknown_cells():
    with pytest.raises(ReportError, match="unknown cell"):
        secondary_suppression(pd.Series({"a": ""}), [Relation("t", ("a",))])


def test_regression_rules():
    assert reason_code(regression_reason(9, RULES)) == RESIDUAL_DF
    assert regression_reason(10, RULES) == ""
    assert regression_reason(None, RULES) == ""
    reason = regression_reason(500, RULES, {"cohort 2016": 25, "size class large": 9})
    assert reason_code(reason) == DUMMY_COVERAGE and "size class large covers 9 firms" in reason


def test_rules_from_the_study_spec():
    class Spec:  # duck-typed like study.spec.DisclosureSpec
        min_firms = 12
        dominance_top2_share = 0.8
        p_percent = 0.15
        min_residual_df = 20

    rules = DisclosureRules.from_spec(Spec())
    assert (rules.min_firms, rules.dominance_top2_share, rules.p_percent, rules.min_residual_df) == (12, 0.8, 0.15, 20)
    assert DisclosureRules.from_spec({"min_firms": 5}).min_firms == 5
    with pytest.raises(ReportError, match="unknown disclosure setting"):
        DisclosureRules.from_spec({"min_frims": 5})


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"min_firms": 0}, "min_firms"),
        ({"dominance_top2_share": 1.5}, "dominance_top2_share"),
        ({"p_percent": 10}, "p_percent"),
        ({"marker": "1"}, "marker"),
    ],
)
def test_bad_rules_are_rejected(kwargs, message):
    with pytest.raises(ReportError, match=message):
        DisclosureRules(**kwargs)


def test_cell_statistics_names_missing_columns():
    with pytest.raises(ReportError, match="missing column"):
        cell_statistics(pd.DataFrame({"x": [1]}), ["cell"], "firm", "value")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from("abc"), st.integers(0, 6), st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False))
        ),
        min_size=1,
        max_size=60,
    )
)
def test_cell_statistics_match_a_plain_pandas_computation(rows):
    data = pd.DataFrame(rows, columns=["cell", "firm", "value"])
    fast = cell_statistics(data, ["cell"], "firm", "value")
    used = data.dropna(subset=["value"])
    per_firm = used.groupby(["cell", "firm"])["value"].sum().abs()
    for cell, x in per_firm.groupby(level="cell"):
        values = np.sort(x.to_numpy())[::-1]
        total = values.sum()
        assert fast.loc[cell, "n_firms"] == len(values)
        assert fast.loc[cell, "total"] == pytest.approx(total)
        assert fast.loc[cell, "top1"] == pytest.approx(values[0])
        assert fast.loc[cell, "remainder"] == pytest.approx(total - values[:2].sum(), abs=1e-6)
        if total > 0:
            assert fast.loc[cell, "top2_share"] == pytest.approx(values[:2].sum() / total)
    assert set(fast.index) == set(per_firm.index.get_level_values("cell"))
    counts = cell_statistics(data, ["cell"], "firm")
    assert counts["n_firms"].to_dict() == data.groupby("cell")["firm"].nunique().astype(float).to_dict()


# ------------------------------------------------------------- issue 12: known cells, p%


def test_a_known_zero_is_no_protection():
    # The leak: MEDVIA (1 firm) and SIM (no member) hidden; SIM's 0 is known from
    # the membership lists, so All minus the published clusters would be MEDVIA's value.
    reasons = pd.Series({"All": "", "A": "", "B": "", "MEDVIA": "min_firms: 1 firms < 10", "SIM": "min_firms: 0 firms < 10"})
    size = pd.Series({"All": 1000.0, "A": 600.0, "B": 360.0, "MEDVIA": 40.0, "SIM": 0.0})
    rel = [Relation("All", ("A", "B", "MEDVIA", "SIM"))]
    assert secondary_suppression(reasons, rel, size=size).eq(reasons).all()  # the former rule: SIM "protects"
    out = secondary_suppression(reasons, rel, size=size, known=size == 0)
    assert out["B"] == "secondary: protects MEDVIA" and out["A"] == ""
    # a known cell is never picked as the protector, and needs no protection itself
    only_zero = pd.Series({"All": "", "A": "", "SIM": "min_firms: 0 firms < 10"})
    out = secondary_suppression(only_zero, [Relation("All", ("A", "SIM"))], size=size[["All", "A", "SIM"]],
                                known=pd.Series({"All": False, "A": False, "SIM": True}))
    assert (out[["All", "A"]] == "").all()


def test_the_protector_must_cover_p_percent_of_the_cell():
    # A (5,000) hidden; B (300) is the smallest, but All - C - D would give A + B and pin
    # A within 6%: the smallest component of at least 10% of A (C, 600) is taken.
    reasons = pd.Series({"T": "", "A": "dominance: top-2 share 90.0% > 85%", "B": "", "C": "", "D": ""})
    size = pd.Series({"T": 7000.0, "A": 5000.0, "B": 300.0, "C": 600.0, "D": 1100.0})
    out = secondary_suppression(reasons, [Relation("T", ("A", "B", "C", "D"))], size=size, p_percent=0.10)
    assert reason_code(out["C"]) == SECONDARY and (out[["B", "D", "T"]] == "").all()
    # already hidden but too small: one more is added
    reasons["B"] = "min_firms: 3 firms < 10"
    out = secondary_suppression(reasons, [Relation("T", ("A", "B", "C", "D"))], size=size, p_percent=0.10)
    assert reason_code(out["C"]) == SECONDARY


grids = st.integers(min_value=2, max_value=4).flatmap(
    lambda k: st.tuples(
        st.just(k),
        st.lists(st.sampled_from(["primary", "zero", "open"]), min_size=k * k, max_size=k * k),
        st.lists(st.floats(min_value=1.0, max_value=1e4), min_size=k * k, max_size=k * k),
    )
)


@settings(max_examples=80, deadline=None)
@given(grids)
def test_every_relation_protects_each_primary_cell_by_p_percent(case):
    k, kinds, values = case
    rows, cols = [f"r{i}" for i in range(k)] + ["T"], [f"c{j}" for j in range(k)] + ["T"]
    body = np.array([0.0 if kind == "zero" else v for kind, v in zip(kinds, values)]).reshape(k, k)
    full = np.zeros((k + 1, k + 1))
    full[:k, :k] = body
    full[k, :k], full[:k, k], full[k, k] = body.sum(0), body.sum(1), body.sum()
    ids = pd.MultiIndex.from_product([rows, cols])
    size = pd.Series(full.ravel(), index=ids)
    flags = ["primary" if (i < k and j < k and kinds[i * k + j] in ("primary", "zero")) else "" for i in range(k + 1) for j in range(k + 1)]
    reasons = pd.Series(["min_firms: 1 firms < 10" if f else "" for f in flags], index=ids, dtype=object)
    known = size == 0
    rels = grid_relations(rows, cols, row_total="T", column_total="T")
    out = secondary_suppression(reasons, rels, size=size, known=known, p_percent=0.10)
    assert ((out != "") | (reasons == "")).all()
    for rel in rels:
        members = (rel.total, *rel.components)
        unknown = [c for c in members if out[c] != "" and not known[c]]
        assert len(unknown) != 1
        for c in unknown:
            if reasons[c] and any(out[m] == "" and not known[m] for m in members):
                assert sum(size[o] for o in unknown if o != c) >= 0.10 * size[c] - 1e-9


# ------------------------------------------------------------- issue 12: order statistics


def test_middle_mean_is_not_one_firms_value():
    from reports.disclosure import ORDER_STATISTIC, middle_mean

    values = np.arange(1.0, 32.0)  # 31 firms: the median (16) is one firm's value
    data = pd.DataFrame({"g": "a", "firm": [f"f{i}" for i in range(31)], "v": values})
    out = middle_mean(data, ["g"], "v", "firm", RULES).loc["a"]
    assert out["k"] == 11 and out["value"] == pytest.approx(values[10:21].mean())  # centred: 10 + 11 + 10
    assert out["reason"] == ""
    # 25 firms: the middle 11 leave 14 >= 10 out; 15 firms: the middle 11 leave 4 (their sum = N x mean - 11 x middle)
    for n, ok in ((25, True), (15, False), (10, True), (11, True), (9, False)):
        d = data.iloc[:n]
        r = middle_mean(d, ["g"], "v", "firm", RULES).loc["a", "reason"]
        assert (r == "") is ok, (n, r)
        if n == 15:
            assert reason_code(r) == ORDER_STATISTIC
        if n == 9:
            assert reason_code(r) == MIN_FIRMS


def test_middle_mean_checks_dominance_of_the_firms_left_out():
    from reports.disclosure import middle_mean

    # 30 firms; one huge and one large firm dominate the 20 left outside the middle 10
    values = np.r_[np.full(28, 10.0), 5000.0, 3000.0]
    data = pd.DataFrame({"g": "a", "firm": [f"f{i}" for i in range(30)], "v": values})
    assert middle_mean(data, ["g"], "v", "firm", RULES, magnitude=True).loc["a", "reason"].startswith(
        "order_statistic: firms outside the middle: dominance"
    )
    assert middle_mean(data, ["g"], "v", "firm", RULES, magnitude=False).loc["a", "reason"] == ""
