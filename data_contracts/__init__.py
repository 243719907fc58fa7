"""Input contracts and ingestion: raw Belgian files in, validated frames out.

Public API (used by the Dagster assets in ``pipelines/``):

* readers: :func:`read_accounts`, :func:`read_membership`, :func:`read_deflators`,
  each returning an :class:`IngestResult` (``accepted``, ``rejected``, ``extra``,
  ``report``);
* derived inputs: :func:`build_firm_year_panel` (-> :class:`PanelResult`) with
  :class:`SampleRules`, :func:`membership_timing`, :func:`membership_match_rate`;
* pandera contracts: ``ACCOUNTS_SCHEMA``, ``MEMBERSHIP_SCHEMA``, ``DEFLATORS_SCHEMA``,
  ``NACE_CODES_SCHEMA``, ``PANEL_SCHEMA``;
* normalisation helpers: :func:`normalise_enterprise_number`,
  :func:`normalise_enterprise_numbers`, :func:`normalise_nace_codes`,
  :func:`nace_divisions`.
"""

from __future__ import annotations

from data_contracts.accounts import accounting_year, read_accounts
from data_contracts.contracts import (
    ACCOUNTS_COLUMNS, ACCOUNTS_SCHEMA, DEFLATOR_COLUMNS, DEFLATORS_SCHEMA, MEMBERSHIP_COLUMNS,
    MEMBERSHIP_SCHEMA, NACE_CODES_SCHEMA, PANEL_COLUMNS, PANEL_SCHEMA, ColumnContract,
    contract_table,
)
from data_contracts.deflators import read_deflators
from data_contracts.enterprise_number import normalise_enterprise_number, normalise_enterprise_numbers
from data_contracts.errors import DataContractError, InvalidEnterpriseNumber, UnusableFileError
from data_contracts.membership import read_membership
from data_contracts.nace import nace_divisions, normalise_nace_codes
from data_contracts.panel import EXCLUSION_REASONS, PanelResult, SampleRules, build_firm_year_panel
from data_contracts.quarantine import REJECTED_COLUMNS
from data_contracts.results import IngestReport, IngestResult
from data_contracts.rubrics import RUBRICS, rubric_table
from data_contracts.rules import RULES
from data_contracts.timing import membership_match_rate, membership_timing

__all__ = [
    "ACCOUNTS_COLUMNS", "ACCOUNTS_SCHEMA", "DEFLATOR_COLUMNS", "DEFLATORS_SCHEMA", "EXCLUSION_REASONS",
    "MEMBERSHIP_COLUMNS", "MEMBERSHIP_SCHEMA", "NACE_CODES_SCHEMA", "PANEL_COLUMNS", "PANEL_SCHEMA",
    "REJECTED_COLUMNS", "RUBRICS", "RULES", "ColumnContract", "DataContractError", "IngestReport", "IngestResult",
    "InvalidEnterpriseNumber", "PanelResult", "SampleRules", "UnusableFileError", "accounting_year",
    "build_firm_year_panel", "contract_table", "membership_match_rate", "membership_timing",
    "nace_divisions", "normalise_enterprise_number", "normalise_enterprise_numbers",
    "normalise_nace_codes", "read_accounts", "read_deflators", "read_membership", "rubric_table",
]
