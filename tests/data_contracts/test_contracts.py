"""Contracts: one definition per column, schemas built from it."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
import pytest

import data_contracts as dc
from data_contracts import layouts
from data_contracts.contracts import NACE_CODE_COLUMNS, contract_table
from data_contracts.rubrics import RUBRICS, rubric_table


@pytest.mark.parametrize(("columns", "schema"), [
    (dc.ACCOUNTS_COLUMNS, dc.ACCOUNTS_SCHEMA), (dc.MEMBERSHIP_COLUMNS, dc.MEMBERSHIP_SCHEMA),
    (dc.DEFLATOR_COLUMNS, dc.DEFLATORS_SCHEMA), (dc.PANEL_COLUMNS, dc.PANEL_SCHEMA),
    (NACE_CODE_COLUMNS, dc.NACE_CODES_SCHEMA),
])
def test_every_column_is_defined_once_with_unit_and_reason(columns, schema) -> None:  # type: ignore[no-untyped-def]
    names = [c.name for c in columns]
    assert len(names) == len(set(names))
    assert list(schema.columns) == names
    for c in columns:
        assert c.unit and c.reason, c.name
        assert schema.columns[c.name].description == c.reason
        assert schema.columns[c.name].metadata == {"unit": c.unit}
    table = contract_table(columns)
    assert {"name", "dtype", "unit", "reason", "nullable", "unique", "minimum", "maximum"} <= set(table.columns)


def test_uniqueness_keys() -> None:
    assert dc.ACCOUNTS_SCHEMA.unique == ["enterprise_number", "year"]
    assert dc.PANEL_SCHEMA.unique == ["enterprise_number", "year"]
    assert dc.DEFLATORS_SCHEMA.unique == ["nace2", "year"]
    assert dc.MEMBERSHIP_SCHEMA.unique == ["cluster", "enterprise_number", "join_date"]


def test_rubric_table_matches_the_canonical_layout() -> None:
    assert tuple(r.code for r in RUBRICS) == layouts.RUBRIC_CODES
    table = rubric_table()
    assert table["code"].is_unique and len(table) == 16
    stocks = set(table.loc[~table["flow"], "code"])
    assert stocks == {"20/58", "22/27", "9087", "1003"}


def test_accounts_schema_rejects_a_duplicated_firm_year() -> None:
    frame = pd.DataFrame({
        "enterprise_number": ["0403.170.701"] * 2, "closing_date": pd.to_datetime(["2020-12-31"] * 2),
        "year": [2020, 2020], "months": [12, 12], "annualised": [False, False], "model": ["full"] * 2,
        "nace": ["62.010"] * 2, "region": ["VLG"] * 2, "foreign_owned": pd.array([False, True], dtype="boolean"),
        **{code: [1.0, 1.0] for code in layouts.RUBRIC_CODES},
    })
    dc.ACCOUNTS_SCHEMA.validate(frame.iloc[:1])
    with pytest.raises(pa.errors.SchemaError):
        dc.ACCOUNTS_SCHEMA.validate(frame)
    with pytest.raises(pa.errors.SchemaErrors) as info:
        dc.ACCOUNTS_SCHEMA.validate(frame.assign(**{"9087": [-1.0, 1.0]}), lazy=True)
    assert "negative_value" in set(info.value.failure_cases["check"])


def test_every_rule_a_reader_can_emit_is_documented() -> None:
    import importlib
    import pkgutil

    import data_contracts

    emitted = set()
    for info in pkgutil.iter_modules(data_contracts.__path__):
        if info.name in ("synthetic", "cli"):
            continue
        module = importlib.import_module(f"data_contracts.{info.name}")
        emitted |= {v for k, v in vars(module).items() if k.startswith("RULE_") and isinstance(v, str)}
    assert emitted and emitted <= set(dc.RULES), emitted - set(dc.RULES)
