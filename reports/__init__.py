"""Publication layer: disclosure-controlled tables, figures and the HTML report.

Builders take tidy pandas frames (see each docstring) and return
:class:`~reports.tables.PublishedTable` objects; :mod:`reports.render` writes them,
:mod:`reports.figures` draws F1-F6, :mod:`reports.html` assembles the report and
:func:`~reports.guard.assert_no_firm_identifiers` checks every published file.
This package never imports Dagster.
"""

from __future__ import annotations

from reports.audit import AuditResult, Leak, audit_publication
from reports.disclosure import (
    DisclosureRules,
    Relation,
    cell_statistics,
    middle_mean,
    primary_reasons,
    regression_reason,
    secondary_suppression,
)
from reports.errors import FirmIdentifierError, ReportError
from reports.guard import assert_no_firm_identifiers
from reports.html import ReportFigure, build_html_report, table_metadata, write_html_report
from reports.impact_tables import (
    EffectColumn,
    build_balance_table,
    build_elasticity_table,
    build_heterogeneity_table,
    build_main_table,
    build_profile_table,
    build_robustness_table,
)
from reports.monitoring_tables import (
    build_flows_table,
    build_membership_table,
    build_performance_table,
    build_weight_table,
)
from reports.notes import StudyNotes
from reports.render import to_csv, to_latex, to_markdown, to_xlsx_bytes, write_table
from reports.tables import PublishedTable

__all__ = [
    "AuditResult",
    "DisclosureRules",
    "EffectColumn",
    "FirmIdentifierError",
    "Leak",
    "PublishedTable",
    "Relation",
    "ReportError",
    "ReportFigure",
    "StudyNotes",
    "assert_no_firm_identifiers",
    "audit_publication",
    "build_balance_table",
    "build_elasticity_table",
    "build_flows_table",
    "build_heterogeneity_table",
    "build_html_report",
    "build_main_table",
    "build_membership_table",
    "build_performance_table",
    "build_profile_table",
    "build_robustness_table",
    "build_weight_table",
    "cell_statistics",
    "middle_mean",
    "primary_reasons",
    "regression_reason",
    "secondary_suppression",
    "table_metadata",
    "to_csv",
    "to_latex",
    "to_markdown",
    "to_xlsx_bytes",
    "write_html_report",
    "write_table",
]
