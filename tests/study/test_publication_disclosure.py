"""Weaker-than-default disclosure thresholds are written into every footnote (issue 12, item 3)."""

from __future__ import annotations

import pandas as pd

from reports.monitoring_tables import build_flows_table
from study.publication import disclosure_rules, study_notes
from study.spec import DEMO_STUDY_PATH, load_study, weaker_disclosure_thresholds


def test_default_thresholds_add_no_sentence():
    spec = load_study(DEMO_STUDY_PATH)
    assert not any("weaker" in e for e in study_notes(spec).extra)


def test_weaker_thresholds_are_named_in_every_footnote():
    spec = load_study(DEMO_STUDY_PATH)
    weak = spec.model_copy(
        update={"disclosure": spec.disclosure.model_copy(update={"min_firms": 5, "p_percent": 0.05})}
    )
    notes = study_notes(weak)
    sentences = [t.note for t in weaker_disclosure_thresholds(weak)]
    assert len(sentences) == 2 and all(s in notes.extra for s in sentences)
    rules = disclosure_rules(weak)
    membership = pd.DataFrame({"cluster": ["A"], "firm_id": ["f1"], "member_type": ["company"],
                               "join_date": pd.to_datetime(["2018-01-01"]), "leave_date": [pd.NaT]})
    # every footnote carries them, also those of tables without suppression (M2: public lists)
    for footnote in (notes.footnote("Any table.", rules=rules), notes.footnote("No disclosure control."),
                     build_flows_table(membership, notes, rules, years=[2018, 2019]).footnote):
        assert all(s in footnote for s in sentences)
        assert "disclosure.min_firms = 5 is weaker than the study design's 10" in footnote
