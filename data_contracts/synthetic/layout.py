"""Conversion of the wide accounts frame to the long (one rubric per row) layout."""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_contracts.layouts import ACCOUNT_ID_COLUMNS, ACCOUNTS_LONG_COLUMNS, RUBRIC_CODES


def accounts_to_long(wide: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Reshape wide accounts to the long layout, keeping only reported rubrics.

    Parameters
    ----------
    wide : pandas.DataFrame
        Accounts in the wide layout (rubric cells may hold numbers or, for
        injected defects, text).

    Returns
    -------
    long : pandas.DataFrame
        Columns ``ACCOUNTS_LONG_COLUMNS``, rows ordered by filing then by rubric in
        the order of ``RUBRIC_CODES``. ``value`` is float unless some cell is text.
    filing : numpy.ndarray
        For each long row, the position of its filing in ``wide``.
    """
    pieces, filings, orders = [], [], []
    for order, rubric in enumerate(RUBRIC_CODES):  # sixteen rubrics
        column = wide[rubric]
        reported = column.notna().to_numpy()
        position = np.nonzero(reported)[0]
        values = column.to_numpy()[reported]
        pieces.append(pd.Series(values, dtype=object if column.dtype == object else "float64"))
        filings.append(position)
        orders.append(np.full(len(position), order))
    filing = np.concatenate(filings)
    sort = np.lexsort((np.concatenate(orders), filing))
    filing = filing[sort]
    values = pd.concat(pieces, ignore_index=True)
    if values.dtype != object:
        values = values.astype("float64")
    rubric_names = np.asarray(RUBRIC_CODES, dtype=object)[np.concatenate(orders)[sort]]
    long = wide.iloc[filing][list(ACCOUNT_ID_COLUMNS)].reset_index(drop=True)
    long["rubric"] = rubric_names
    long["value"] = values.iloc[sort].reset_index(drop=True)
    return long[list(ACCOUNTS_LONG_COLUMNS)], filing
