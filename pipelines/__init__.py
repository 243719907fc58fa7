"""Dagster definitions of the cluster-impact study (thin glue only).

Every asset here reads its inputs, calls one function of ``data_contracts``, ``tfp``,
``matching``, ``did`` or ``reports``, and attaches metadata for the UI. The estimators
never import Dagster.
"""

import warnings

from dagster import BetaWarning

# Output(data_version=...) is how Dagster records data provenance; its beta status
# is not news to a researcher reading the run log.
warnings.filterwarnings("ignore", category=BetaWarning, message=".*data_version.*")
