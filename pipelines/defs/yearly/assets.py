"""The yearly rerun: annual accounts as yearly partitions, a schedule and a backfill.

A new year of accounts arrives each autumn (Belgian companies file within seven
months of their year end, so by 1 October nearly all filings for the previous
calendar year are in). ``yearly_accounts`` holds the validated filings of one
accounting year per partition, read from the accounts file as it stands when the
partition runs; its data version is the hash of that year's rows,
so re-ingesting unchanged years leaves them (and what depends only on them)
up to date in the UI. ``accounts_coverage`` summarises every year.

Schedules (they start stopped; switch them on in the UI, the daemon runs them):
- ``yearly_accounts_schedule``: on 1 October at 06:00 ingests the newest complete
  year (the partition of the previous calendar year);
- ``yearly_study_rerun``: on 1 October at 09:00 re-materialises the whole study, so
  the published tables include the new year.
Backfill older years from the UI (Materialize → select partitions) or with
``dagster asset materialize -m pipelines.definitions --select yearly_accounts --partition-range 2012...2024``.
"""

import hashlib

import dagster as dg
import pandas as pd

import data_contracts as dc
from pipelines.defs.resources import StudyResource
from pipelines.metadata import frame_metadata

GROUP = "yearly_ingest"
ACCOUNT_YEARS = dg.TimeWindowPartitionsDefinition(cron_schedule="0 0 1 1 *", start="2012", fmt="%Y")


def _frame_hash(frame: pd.DataFrame) -> str:
    hashed = pd.util.hash_pandas_object(frame.reset_index(drop=True), index=False).to_numpy()
    return hashlib.sha256(hashed.tobytes()).hexdigest()


@dg.asset(group_name=GROUP, code_version="1", partitions_def=ACCOUNT_YEARS,
          backfill_policy=dg.BackfillPolicy.single_run(),
          description="Validated annual-accounts filings of one accounting year (one partition per year), "
                      "read afresh from the study's accounts file; a backfill reads the file once.")
def yearly_accounts(context: dg.AssetExecutionContext, study: StudyResource, raw_inputs: pd.DataFrame):
    path = raw_inputs.loc[raw_inputs["kind"] == "accounts", "path"].iloc[0]
    # Read the file as it is now: the yearly run picks up filings added since the last study run.
    result = dc.read_accounts(path, non_annual=study.spec().sample.non_twelve_month_periods)
    accepted = result.accepted.reset_index(drop=True)
    by_year = {key: accepted.loc[accepted["year"] == int(key)].reset_index(drop=True)
               for key in context.partition_keys}
    if len(by_year) == 1:
        ((key, rows),) = by_year.items()
        return dg.Output(rows, data_version=dg.DataVersion(_frame_hash(rows)),
                         metadata=frame_metadata(rows, preview=False, year=int(key),
                                                 n_firms=int(rows["enterprise_number"].nunique())))
    # A backfill over several years in one run: one stored file per year.
    return dg.Output(by_year, metadata={"years": len(by_year), "filings": int(sum(map(len, by_year.values())))})


@dg.asset(group_name=GROUP, code_version="1",
          ins={"yearly_accounts": dg.AssetIn(metadata={"allow_missing_partitions": True})},
          description="Filings and firms per ingested accounting year: what each yearly partition holds.")
def accounts_coverage(yearly_accounts: dict[str, pd.DataFrame]) -> dg.Output[pd.DataFrame]:
    rows = [{"year": int(key), "filings": len(frame), "firms": int(frame["enterprise_number"].nunique())}
            for key, frame in sorted(yearly_accounts.items())]
    coverage = pd.DataFrame(rows, columns=["year", "filings", "firms"])
    return dg.Output(coverage, metadata=frame_metadata(coverage))


yearly_accounts_job = dg.define_asset_job("yearly_accounts_job", selection=[yearly_accounts], partitions_def=ACCOUNT_YEARS)


@dg.schedule(job=yearly_accounts_job, cron_schedule="0 6 1 10 *", execution_timezone="Europe/Brussels",
             description="Each 1 October: ingest the accounts of the previous calendar year.")
def yearly_accounts_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    year = str(context.scheduled_execution_time.year - 1)
    return dg.RunRequest(run_key=f"accounts-{year}", partition_key=year)


study_rerun_job = dg.define_asset_job(
    "study_rerun_job", selection=dg.AssetSelection.all() - dg.AssetSelection.groups(GROUP),
    description="Re-materialise the whole (unpartitioned) study.")
yearly_study_rerun = dg.ScheduleDefinition(
    name="yearly_study_rerun", job=study_rerun_job, cron_schedule="0 9 1 10 *", execution_timezone="Europe/Brussels")
