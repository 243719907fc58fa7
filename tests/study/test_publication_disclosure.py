"""Weaker-than-default disclosure thresholds are written into every footnote (issue 12, item 3)."""

from __future__ import annotations

from reports.disclosure import DisclosureRules
from reports.monitoring_tables import build_flows_table
from study.publication import disclosure_rules, study_notes, weaker_disclosure
from study.spec import DEMO_STUDY_PATH, load_study


def test_default_thresholds_add_no_sentence():
    spec = load_study(DEMO_STUDY_PATH)
    assert DisclosureRules().weaker_than_default() == {}
    assert weaker_disclosure(spec) == {}
    assert not any("weaker" in e for e in study_notes(spec).extra)


def test_weaker_thresholds_are_named_in_every_footnote(monkeypatch):
    spec = load_study(DEMO_STUDY_PATH)
    weak = spec.model_copy(
        update={"disclosure": spec.disclosure.model_copy(update={"min_firms": 5, "p_percent": 0.05})}
    )
    rules = disclosure_rules(weak)
    assert rules.weaker_than_default() == {"min_firms": (5, 10), "p_percent": (0.05, 0.10), "min_dummy_firms": (5, 10)}
    assert weaker_disclosure(weak)["min_firms"] == {"value": 5, "default": 10}
    notes = study_notes(weak)
    sentence = (
        "Disclosure thresholds weaker than the study design's defaults: at least 5 firms per cell (default 10); "
        "p% rule with p = 5% (default 10%); every dummy at least 5 firms (default 10)."
    )
    assert sentence in notes.extra
    # every footnote carries it, also those of tables without suppression (M2: public lists)
    assert sentence in notes.footnote("Any table.", rules=rules)
    assert sentence in notes.footnote("A table without disclosure control.")
    import pandas as pd

    membership = pd.DataFrame({"cluster": ["A"], "firm_id": ["f1"], "member_type": ["company"],
                               "join_date": pd.to_datetime(["2018-01-01"]), "leave_date": [pd.NaT]})
    assert sentence in build_flows_table(membership, notes, rules, years=[2018, 2019]).footnote


def test_stricter_thresholds_are_not_weaker():
    strict = DisclosureRules(min_firms=20, dominance_top2_share=0.6, p_percent=0.2)
    assert strict.weaker_than_default() == {} and strict.weaker_note() == ""
    assert DisclosureRules(dominance_top2_share=0.9).weaker_than_default() == {"dominance_top2_share": (0.9, 0.85)}
