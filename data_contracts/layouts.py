"""Canonical raw-file layouts (study design, section 2).

These headers are what the demo generator writes and what every reader maps its
input onto. They are the single definition of the raw layouts; the column-level
contracts (types, ranges, reasons) are in :mod:`data_contracts` schema modules.
"""

from __future__ import annotations

#: Identification columns of one filing, in canonical order.
ACCOUNT_ID_COLUMNS: tuple[str, ...] = (
    "enterprise_number",
    "closing_date",
    "months",
    "model",
    "nace",
    "region",
    "foreign_owned",
)

#: Rubric codes of the Central Balance Sheet Office carried by the wide layout.
RUBRIC_CODES: tuple[str, ...] = (
    "70", "71", "72", "74", "740", "76A", "60", "61", "9900",
    "62", "630", "9901", "20/58", "22/27", "9087", "1003",
)

ACCOUNTS_WIDE_COLUMNS: tuple[str, ...] = ACCOUNT_ID_COLUMNS + RUBRIC_CODES
ACCOUNTS_LONG_COLUMNS: tuple[str, ...] = ACCOUNT_ID_COLUMNS + ("rubric", "value")
MEMBERSHIP_COLUMNS: tuple[str, ...] = (
    "cluster", "enterprise_number", "member_type", "join_date", "leave_date",
)
DEFLATOR_COLUMNS: tuple[str, ...] = (
    "nace2", "year", "va", "output", "intermediate", "investment", "base_year", "source",
)

FILING_MODELS: tuple[str, ...] = ("full", "abbreviated", "micro")
REGIONS: tuple[str, ...] = ("VLG", "BRU", "WAL")
MEMBER_TYPES: tuple[str, ...] = ("company", "knowledge institution", "government", "other")

#: The seven Flemish spearhead clusters with the first and last day of their
#: operation (None: still running).
SPEARHEAD_CLUSTERS: dict[str, tuple[str, str | None]] = {
    "Catalisti": ("2017-01-01", None),
    "Flux50": ("2017-01-01", None),
    "VIL": ("2017-01-01", None),
    "SIM": ("2017-01-01", "2023-12-31"),
    "De Blauwe Cluster": ("2018-01-01", None),
    "Flanders' FOOD": ("2018-01-01", None),
    "MEDVIA": ("2021-09-01", None),
}
