"""Simulated Flemish firm population with known truth (the embedded demo data).

:func:`simulate_population` produces the study's three raw inputs (annual accounts,
cluster membership lists, deflators) in the canonical layouts of
:mod:`data_contracts.layouts`, together with the ground truth the estimators must
recover; :func:`write_raw_files` writes them in any supported file format, with
known defects injected at chosen rates for ingestion tests.
"""

from data_contracts.synthetic.config import DEMO, SimulationConfig
from data_contracts.synthetic.errors import SyntheticDataError
from data_contracts.synthetic.defects import DEFECTS
from data_contracts.synthetic.population import GroundTruth, SyntheticPopulation, simulate_population
from data_contracts.synthetic.writers import read_defect_log, write_raw_files

__all__ = [
    "DEFECTS",
    "DEMO",
    "GroundTruth",
    "SimulationConfig",
    "SyntheticDataError",
    "SyntheticPopulation",
    "read_defect_log",
    "simulate_population",
    "write_raw_files",
]
