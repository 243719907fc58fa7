"""cluster-impact: the effect of innovation-cluster membership on firm productivity.

This package holds the command line and the study-level glue (study specifications,
run manifests); the estimators live in the sibling packages ``tfp``, ``matching``,
``did``, the input contracts in ``data_contracts`` and the publication layer in
``reports``. None of those import Dagster; ``pipelines`` wires them into assets.
"""

__version__ = "0.1.0"
