"""Summaries and notebook HTML of the DiD results (issue #15): R did's layout, same facts in both."""

from __future__ import annotations

import pytest
from did_testdata import MPDTA_COLUMNS, load_reference

import did


@pytest.fixture(scope="module")
def cs(mpdta):
    return did.att_gt(mpdta, **MPDTA_COLUMNS, covariates=["lpop"])


def test_att_gt_summary_and_html_say_the_same(cs):
    text, html = cs.summary(), cs._repr_html_()
    ref = load_reference("ii_nevertreated_dr_lpop")
    for fact in ("Never treated", "Doubly robust", "Pre-test of parallel trends", "6.8418", "0.2327",
                 "500 units, 2500 observations", "Aggregated effects", "Std. Error", "Conf. Int.]"):
        assert fact in text and fact in html.replace("&#x27;", "'"), fact
    assert html.startswith("<div") and html.count("<table") == 3  # facts, cells, aggregations
    assert str(cs) == text
    simple = ref["aggte"]["simple"]["overall_att"]
    assert f"{simple:.4f}" in text


def test_aggregate_twfe_and_event_study_have_html(cs, mpdta):
    dyn = cs.aggregate("dynamic")
    assert "Dynamic effects (event study)" in dyn.summary() and "<table" in dyn._repr_html_()
    data = mpdta.assign(D=((mpdta["first.treat"] > 0) & (mpdta["year"] >= mpdta["first.treat"])).astype(float))
    tw = did.twfe(data, y="lemp", id="countyreal", time="year", treated="D")
    assert "Clusters" in tw._repr_html_() and "Residual df" in tw.summary()
    es = did.event_study(mpdta, y="lemp", id="countyreal", time="year", group="first.treat", leads=3)
    assert "Pre-test of parallel trends" in es.summary() and "<table" in es._repr_html_()
    bacon = did.bacon_decomposition(mpdta, y="lemp", id="countyreal", time="year", group="first.treat")
    assert "Treated vs never treated" in bacon._repr_html_()


def test_nan_cells_are_left_out_of_the_summary_aggregations_with_a_note(cs):
    from dataclasses import replace

    table = cs.att_gt.copy()
    table.loc[table.index[-1], "att"] = float("nan")
    broken = replace(cs, att_gt=table)
    text = broken.summary()
    assert "1 ATT(g,t) cell(s) are NA and are left out of the aggregations" in text
    assert broken.to_dict()["notes"] == ["1 ATT(g,t) cell(s) are NA and are left out of the aggregations (na_rm)."]
