"""Balance statistics where a matched group has no variance (seen in small cohorts)."""

import numpy as np

from matching.balance import balance_row


def test_variance_ratio_with_constant_controls_is_inf_not_an_error():
    x = np.array([1.0, 2.0, 3.0, 5.0, 5.0, 5.0])
    t = np.array([1, 1, 1, 0, 0, 0])
    row = balance_row(x, t, np.ones(6))
    assert np.isinf(row["var_ratio"])


def test_variance_ratio_zero_over_zero_is_nan():
    x = np.array([5.0, 5.0, 5.0, 5.0, 7.0])
    t = np.array([1, 1, 0, 0, 0])
    w = np.array([1.0, 1.0, 1.0, 1.0, 0.0])  # the varying control is unmatched
    row = balance_row(x, t, w)
    assert np.isnan(row["var_ratio"])
