"""The TFP distribution figure shows only bins with enough firm-years."""

import numpy as np
import pandas as pd
import pytest

from reports.disclosure import DisclosureRules
from reports.errors import ReportError
from reports.figures import figure_bytes, tfp_distribution_figure


def test_renders_deterministically_and_masks_thin_bins():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"log_tfp": rng.normal(0, 0.3, 5000), "industry": rng.choice(["10", "20"], 5000),
                          "year": rng.choice([2019, 2020], 5000)})
    first = figure_bytes(tfp_distribution_figure(frame), "png")
    second = figure_bytes(tfp_distribution_figure(frame), "png")
    assert first == second and first.startswith(b"\x89PNG")
    fig = tfp_distribution_figure(frame, rules=DisclosureRules(min_firms=10))
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert all(np.isnan(h) or h > 0 for h in heights)
    small = frame.sample(400, random_state=1)
    thin = [p.get_height() for p in tfp_distribution_figure(small).axes[0].patches]
    assert any(np.isnan(h) for h in thin)  # with 400 firm-years the tail bins hold fewer than 10


def test_refuses_empty_input():
    with pytest.raises(ReportError):
        tfp_distribution_figure(pd.DataFrame({"log_tfp": [np.nan], "industry": ["10"], "year": [2020]}))
