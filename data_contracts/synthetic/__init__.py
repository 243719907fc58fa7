"""Simulated Flemish firm population with known truth (the embedded demo data).

:func:`simulate_population` produces the study's three raw inputs (annual accounts,
cluster membership lists, deflators) in the canonical layouts of
:mod:`data_contracts.layouts`, together with the ground truth the estimators must
recover; :func:`write_raw_files` writes them in any supported file format, with
known defects injected at chosen rates for ingestion tests.

Public API:

* :class:`SimulationConfig` (frozen) and :data:`DEMO`, the embedded demo;
* ``simulate_population(config) -> SyntheticPopulation`` with ``accounts`` (wide),
  ``membership``, ``deflators`` and ``truth`` (:class:`GroundTruth`: ``elasticities``,
  ``true_effect``, ``effect_growth``, ``effect_profile``, ``firm_years``, ``firms``);
* ``write_raw_files(population, out_dir, *, accounts_format, accounts_layout,
  membership_format, deflators_format, separator, decimal, encoding, defects, seed,
  deposit_dates) -> dict[str, Path]`` and :func:`read_defect_log`;
* :data:`DEFECTS`, the injectable defects; :class:`SyntheticDataError`.

The data-generating process (modules ``firms``, ``membership``, ``production``,
``accounts``, ``deflators``): Cobb-Douglas value added with industry elasticities
(``industries``); log TFP ``a_j + alpha_i + u_it`` with AR(1) ``u``; capital chosen a
period ahead; labour chosen after productivity is seen, with labour-cost shocks;
materials an increasing function of productivity given capital (valid LP/ACF
proxy); exit of unproductive and small firms; entry; selection into clusters on
persistent productivity and size; staggered joining 2017-2023; a membership effect
on log TFP from the joining year on. Convention: a filing's year is the calendar
year of its closing date; flows of a period of ``months`` months are ``months / 12``
of the annual flow.
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
