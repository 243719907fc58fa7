"""The event-study figure returns a matplotlib Figure with points and a band."""

from __future__ import annotations

import pytest
from did_testdata import MPDTA_COLUMNS
from matplotlib.figure import Figure

import did


def test_plot_cs_and_twfe(mpdta, tmp_path):
    dyn = did.att_gt(mpdta, **MPDTA_COLUMNS).aggregate("dynamic")
    fig = did.plot_event_study(dyn, title="CS", label="Callaway-Sant'Anna")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    xs = ax.get_lines()[0].get_xdata()
    assert list(xs) == list(dyn.elements["event_time"])
    assert ax.collections  # the confidence band
    es = did.event_study(mpdta, y="lemp", id="countyreal", time="year", group="first.treat", leads=3)
    fig2 = did.plot_event_study(es, ax=ax, label="TWFE")
    assert fig2 is fig
    fig.savefig(tmp_path / "es.png")
    assert (tmp_path / "es.png").stat().st_size > 0


def test_plot_rejects_other_objects(mpdta):
    with pytest.raises(TypeError):
        did.plot_event_study(did.att_gt(mpdta, **MPDTA_COLUMNS).aggregate("simple"))


def test_default_axis_labels_are_generic(mpdta):
    """No study wording (log TFP, joining) in a generic DiD plot; a study passes its own."""
    fig = did.plot_event_study(did.att_gt(mpdta, **MPDTA_COLUMNS).aggregate("dynamic"))
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Periods relative to treatment", "Estimated effect")
    fig = did.plot_event_study(did.att_gt(mpdta, **MPDTA_COLUMNS).aggregate("dynamic"), ylabel="Effect on log TFP")
    assert fig.axes[0].get_ylabel() == "Effect on log TFP"
