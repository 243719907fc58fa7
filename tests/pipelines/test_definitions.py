"""The code location loads, and its asset graph is the study's."""

import functools

import dagster as dg

from pipelines.definitions import defs

EXPECTED_GROUPS = {
    "raw_inputs": {"raw_inputs", "demo_ground_truth"},
    "validated_inputs": {"validated_accounts", "validated_membership", "validated_deflators",
                         "rejected_rows", "input_reconciliation"},
    "firm_panel": {"firm_year_panel", "sample_exclusions", "membership_timing", "membership_match_rate"},
    "matching": {"matched_panel", "matching_balance"},
}


@functools.cache
def _definitions() -> dg.Definitions:
    return defs()


def test_definitions_validate_loadable():
    dg.Definitions.validate_loadable(_definitions())


def test_asset_graph_has_every_chapter():
    d = _definitions()
    groups: dict[str, set[str]] = {}
    for spec in d.resolve_all_asset_specs():
        groups.setdefault(spec.group_name, set()).add(spec.key.to_user_string())
    for group, keys in EXPECTED_GROUPS.items():
        assert keys <= groups[group], (group, groups.get(group))
    assert {"main_effect_table", "tfp_members_vs_all_figure"} <= groups["publication"]
    assert {"twfe_did", "callaway_santanna", "matched_did", "event_study"} <= groups["did"]


def test_every_asset_has_a_code_version_and_description():
    for spec in _definitions().resolve_all_asset_specs():
        assert spec.code_version, spec.key
        assert spec.description, spec.key
