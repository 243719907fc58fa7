"""MatchIt-style summaries and their notebook HTML (issue #15)."""

from __future__ import annotations

import warnings

import matching


def test_summary_and_html_of_match_and_att(lalonde, covariates, load_case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", matching.MatchingWarning)
        m = matching.match(lalonde, treatment="treat", covariates=covariates, caliper=0.2)
    ref = load_case("ii_nearest_caliper02")
    text, html = m.summary(), m._repr_html_()
    for fact in ("Summary of balance for all data:", "Summary of balance for matched data:", "Sample sizes:",
                 "Matched (ESS)", "eCDF Max", "Std. Pair Dist."):
        assert fact in text and fact in html
    assert html.count("<table") == 4 and str(m) == text
    assert f"{ref['balance']['all'][1]['means_control']:.4f}" in text  # age, all data
    att = m.att("re78")
    assert "cluster-robust by matched set" in att.summary() and "<table" in att._repr_html_()
    ps = m.propensity
    assert "<table" in ps._repr_html_() and "logit" in str(ps)
