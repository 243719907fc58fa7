"""Yearly partitions of accounts, their schedule, and an in-process yearly rerun."""

import functools
from pathlib import Path

import dagster as dg
import pandas as pd

from pipelines.defs.resources import default_resources
from pipelines.defs.yearly.assets import ACCOUNT_YEARS, yearly_accounts_schedule
from pipelines.definitions import defs

SMALL_STUDY = Path(__file__).resolve().parents[1] / "fixtures" / "studies" / "small.yaml"


@functools.cache
def _defs() -> dg.Definitions:
    return defs()


def test_schedules_jobs_and_partitions_are_defined():
    d = _defs()
    assert {s.name for s in d.schedules} == {"yearly_accounts_schedule", "yearly_study_rerun"}
    assert d.get_schedule_def("yearly_accounts_schedule").cron_schedule == "0 6 1 10 *"
    keys = ACCOUNT_YEARS.get_partition_keys()
    assert keys[0] == "2012" and "2024" in keys


def test_schedule_requests_the_previous_calendar_year():
    import datetime

    context = dg.build_schedule_context(scheduled_execution_time=datetime.datetime(2025, 10, 1, 6, 0))
    request = yearly_accounts_schedule(context)
    assert request.partition_key == "2024"


def test_newest_partition_then_downstream_in_process(tmp_path):
    d = _defs()
    everything = [*d.assets, *d.asset_checks]
    resources = default_resources(study_file=str(SMALL_STUDY), publish_dir=str(tmp_path / "out"),
                                  storage_dir=str(tmp_path / "storage"), data_dir=str(tmp_path / "data"))
    upstream = dg.AssetSelection.groups("raw_inputs", "validated_inputs")
    assert dg.materialize(everything, selection=upstream, resources=resources).success
    years = ["2022", "2023", "2024"]
    # A single-run backfill of two years, then the newest year on its own (the schedule's run).
    backfill = dg.materialize(everything, selection=dg.AssetSelection.assets("yearly_accounts"),
                              tags={"dagster/asset_partition_range_start": "2022",
                                    "dagster/asset_partition_range_end": "2023"}, resources=resources)
    assert backfill.success
    result = dg.materialize(everything, selection=dg.AssetSelection.assets("yearly_accounts"),
                            partition_key="2024", resources=resources)
    assert result.success
    newest = pd.read_parquet(tmp_path / "storage" / "yearly_accounts" / "2024.parquet")
    assert len(newest) > 0 and (newest["year"] == 2024).all()
    stored = sorted(p.stem for p in (tmp_path / "storage" / "yearly_accounts").glob("*.parquet"))
    assert stored == years
    downstream = dg.materialize(everything, selection=dg.AssetSelection.assets("accounts_coverage"), resources=resources)
    coverage = downstream.output_for_node("accounts_coverage")
    assert coverage["year"].tolist() == [2022, 2023, 2024]
    assert (coverage["filings"] > 0).all()
