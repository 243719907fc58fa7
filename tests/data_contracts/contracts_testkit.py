"""Shared builders for the data-contracts tests (imported by the test modules)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from data_contracts import layouts

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bad_inputs"


def valid_number(body: int) -> str:
    """Canonical enterprise number with the given 8-digit body (first digit 0 or 1)."""
    digits = f"{body:08d}{97 - body % 97:02d}"
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"


def wide_accounts(n_firms: int = 4, years: tuple[int, ...] = (2019, 2020, 2021), seed: int = 0) -> pd.DataFrame:
    """A valid wide accounts frame as text cells (what a file holds)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_firms):
        number = valid_number(4_000_000 + 7919 * i)
        model = ("full", "abbreviated", "micro")[i % 3]
        for y in years:
            turnover = int(rng.integers(100_000, 1_000_000))
            row = {
                "enterprise_number": number, "closing_date": f"{y}-12-31", "months": "12",
                "model": model, "nace": ("62.010", "10.710", "25.620", "46.900")[i % 4],
                "region": ("VLG", "VLG", "BRU", "WAL")[i % 4], "foreign_owned": str(i % 2),
                "70": str(turnover) if model == "full" else "", "71": "0", "72": "", "74": "1000",
                "740": "200", "76A": "" if model == "full" else "50",
                "60": str(turnover // 3) if model == "full" else "",
                "61": str(turnover // 5) if model == "full" else "",
                "9900": "" if model == "full" else str(turnover // 2),
                "62": str(turnover // 4), "630": "5000", "9901": "1000", "20/58": "900000",
                "22/27": str(int(rng.integers(50_000, 500_000))), "9087": f"{rng.integers(2, 40)}.5",
                "1003": "" if model == "micro" else f"{rng.integers(2, 40)}.0",
            }
            rows.append(row)
    return pd.DataFrame(rows, columns=list(layouts.ACCOUNTS_WIDE_COLUMNS))


def write_csv(frame: pd.DataFrame, path: Path, *, sep: str = ",", decimal: str = ".",
              encoding: str = "utf-8") -> Path:
    """Write text cells as CSV in a dialect (decimal comma rewrites numeric cells)."""
    out = frame.copy()
    if decimal == ",":
        numeric = [c for c in out.columns if c in layouts.RUBRIC_CODES or c in
                   ("value", "va", "output", "intermediate", "investment")]
        for c in numeric:
            out[c] = out[c].astype(str).str.replace(".", ",", regex=False)
    out.to_csv(path, sep=sep, index=False, encoding=encoding)
    return path
