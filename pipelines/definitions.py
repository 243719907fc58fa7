"""Code location entry point: ``dagster dev`` and ``dg`` load ``defs`` from here."""

from pathlib import Path

import dagster as dg



@dg.definitions
def defs() -> dg.Definitions:
    """Every asset, check, schedule and resource under ``pipelines/defs``."""
    return dg.load_from_defs_folder(path_within_project=Path(__file__).resolve().parent)
