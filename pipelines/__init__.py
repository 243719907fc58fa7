"""Dagster definitions of the cluster-impact study (thin glue only).

Every asset here reads its inputs, calls one function of ``data_contracts``, ``tfp``,
``matching``, ``did`` or ``reports``, and attaches metadata for the UI. The estimators
never import Dagster.
"""
