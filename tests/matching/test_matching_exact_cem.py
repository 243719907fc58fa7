import numpy as np
import pandas as pd
import pytest

from matching import match
from matching.exact import coarsen, number_of_bins, strata_subclass


def test_sturges_bins_like_r():
    x = np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    assert number_of_bins(x, "sturges") == 5  # ceiling(log2(10) + 1)
    # seq(1, 10, length = 6) -> cuts at 2.8, 4.6, 6.4, 8.2; findInterval is left-closed
    np.testing.assert_array_equal(coarsen(x, "sturges"), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
    np.testing.assert_array_equal(coarsen(x, [5]), [1, 1, 1, 1, 2, 2, 2, 2, 2, 2])
    np.testing.assert_array_equal(coarsen(x, "q2"), [1, 1, 1, 1, 1, 2, 2, 2, 2, 2])
    assert number_of_bins(x, "scott") >= 1 and number_of_bins(x, "fd") >= 1


def test_strata_numbered_by_first_appearance_in_first_rows_group():
    cells = np.array([5, 3, 5, 7, 3, 9, 7])
    treat = np.array([1, 1, 0, 1, 0, 0, 0])
    # treated cells in order of appearance: 5, 3, 7 -> 1, 2, 3; cell 9 has no treated
    np.testing.assert_array_equal(strata_subclass(cells, treat), [1, 2, 1, 3, 2, 0, 3])


def test_cem_user_cutpoints_and_unmatched_cells():
    df = pd.DataFrame(
        {"t": [1, 1, 0, 0, 0, 1], "x": [0.5, 1.5, 0.7, 1.2, 5.0, 9.0], "g": list("aabbaa")}
    )
    m = match(df, treatment="t", covariates=["x"], method="cem", cutpoints={"x": [1.0, 6.0]})
    # cells: x < 1 (treated 0.5, control 0.7), [1, 6) (treated 1.5; controls 1.2, 5.0),
    # x >= 6 (treated 9.0 alone, unmatched)
    np.testing.assert_array_equal(m.subclass.fillna(0).to_numpy(), [1, 2, 1, 2, 2, 0])
    # raw control weights 1, 1/2, 1/2 rescaled to average one over the 3 controls
    np.testing.assert_allclose(m.weights.to_numpy(), [1, 1, 1.5, 0.75, 0.75, 0])


def test_exact_weights_are_treated_over_control_counts():
    df = pd.DataFrame({"t": [1, 0, 0, 0, 1, 0], "k": list("aaabbc")})
    m = match(df, treatment="t", covariates=["k"], method="exact")
    # raw: a: 1 treated / 2 controls -> 0.5 each; b: 1/1 -> 1; c unmatched
    # normalised over 3 matched controls: 3 * w / 2
    np.testing.assert_allclose(m.weights.to_numpy(), [1, 0.75, 0.75, 1.5, 1, 0])
    assert m.subclass.isna().tolist() == [False, False, False, False, False, True]
