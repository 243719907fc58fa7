import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

from matching import love_plot, match


def test_love_and_overlap_plots(lalonde, covariates):
    m = match(lalonde, treatment="treat", covariates=covariates, caliper=0.2)
    fig = love_plot(m.balance())
    assert isinstance(fig, Figure)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "raceblack" in labels and "distance" in labels
    fig2 = m.overlap_plot()
    assert isinstance(fig2, Figure) and len(fig2.axes) == 2


def test_common_support_summary(lalonde, covariates):
    m = match(lalonde, treatment="treat", covariates=covariates, discard="both")
    cs = m.common_support().set_index("group")
    d, t = m.distance, lalonde["treat"]
    assert cs.loc["treated", "off_support"] == int(((d[t == 1] < d[t == 0].min()) | (d[t == 1] > d[t == 0].max())).sum())
    assert cs.loc["control", "discarded"] == int(m.discarded[t == 0].sum()) > 0
    assert m.weights[m.discarded].eq(0).all()
