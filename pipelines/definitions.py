"""Code location entry point: ``dagster dev`` and ``dg`` load ``defs`` from here."""

from pathlib import Path

import dagster as dg

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dg.definitions
def defs() -> dg.Definitions:
    """Every asset, check, schedule and resource under ``pipelines/defs``."""
    return dg.load_from_defs_folder(project_root=PROJECT_ROOT)
