"""Treatment definition of the study (design sections 2-3) on a tiny hand-made panel."""

import numpy as np
import pandas as pd

from study.analysis_sample import build_analysis_panel, cluster_classification, size_class


def _panel():
    rows = []
    for firm, years, fte in (("A", range(2015, 2021), 10.0), ("B", range(2015, 2021), 300.0),
                             ("C", range(2018, 2021), 60.0), ("D", range(2015, 2021), 5.0)):
        for y in years:
            rows.append({"enterprise_number": firm, "year": y, "nace2": "10" if firm != "D" else "20",
                         "log_va": 10.0, "log_fte": np.log(fte), "fte": fte})
    panel = pd.DataFrame(rows)
    tfp = panel[["enterprise_number", "year"]].assign(log_tfp=np.arange(len(panel)) * 0.01)
    timing = pd.DataFrame({"enterprise_number": ["A", "B", "C"], "first_join_year": [2018, 2017, 2018],
                           "first_clusters": ["VIL", "Flux50", "SIM"],
                           "clusters": ["VIL", "Flux50;VIL", "SIM"], "n_clusters": [1, 2, 1]})
    return panel, tfp, timing


def test_treatment_timing_and_exclusions():
    panel, tfp, timing = _panel()
    out = build_analysis_panel(panel, tfp, timing)
    # C joined in its first observed year: no pre-membership year, left out.
    assert set(out["enterprise_number"]) == {"A", "B", "D"}
    assert out.attrs["excluded_already_members"] == 1
    a = out.loc[out["enterprise_number"] == "A"].set_index("year")
    assert a.loc[2017, "treated"] == 0 and a.loc[2018, "treated"] == 1 and a.loc[2020, "event_time"] == 2
    d = out.loc[out["enterprise_number"] == "D"]
    assert (d["first_join_year"] == 0).all() and (d["treated"] == 0).all() and d["event_time"].isna().all()
    assert out.loc[out["enterprise_number"] == "B", "multi_cluster"].eq(1).all()
    assert dict(out.groupby("enterprise_number")["size_class"].first()) == {"A": "small", "B": "large", "D": "small"}
    # Growth only between consecutive years.
    assert np.isnan(a.loc[2015, "tfp_growth"]) and np.isclose(a.loc[2016, "tfp_growth"], 0.01)


def test_size_class_bounds():
    assert size_class(pd.Series([1.0, 49.9, 50.0, 249.9, 250.0])).tolist() == ["small", "small", "medium", "medium", "large"]


def test_cluster_classification_members_and_industries():
    panel, tfp, timing = _panel()
    out = build_analysis_panel(panel, tfp, timing)
    groups = cluster_classification(out)
    by_firm = dict(zip(out["enterprise_number"], groups))
    assert by_firm["A"] == "VIL" and by_firm["B"] == "Flux50"
    assert by_firm["D"] == "none"  # industry 20 has no members


def test_truth_correlations_without_truth_is_empty():
    from study.analysis_sample import tfp_truth_correlations

    panel, tfp, timing = _panel()
    out = build_analysis_panel(panel, tfp, timing)
    empty = pd.DataFrame(columns=["enterprise_number", "year", "log_tfp"])
    result = tfp_truth_correlations(out, empty)
    assert result.empty and "correlation_within_industry" in result.columns


def test_joins_after_the_last_year_are_not_treatment():
    panel, tfp, timing = _panel()
    timing = timing.assign(first_join_year=[2018, 2017, 2030])
    panel = panel.loc[panel["enterprise_number"] != "C"]
    tfp = tfp.loc[tfp["enterprise_number"] != "C"]
    timing.loc[2, "enterprise_number"] = "D"
    out = build_analysis_panel(panel, tfp, timing)
    d = out.loc[out["enterprise_number"] == "D"]
    assert (d["first_join_year"] == 0).all() and (d["member"] == 0).all() and (d["clusters"] == "").all()
