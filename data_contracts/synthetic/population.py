"""The simulated Flemish firm population and its ground truth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_contracts.layouts import MEMBERSHIP_COLUMNS
from data_contracts.synthetic.accounts import build_accounts
from data_contracts.synthetic.config import JOIN_WINDOW, SimulationConfig
from data_contracts.synthetic.deflators import deflator_frame, simulate_deflators
from data_contracts.synthetic.enterprise_numbers import (
    COMPANY_BODY_RANGE, draw_bodies, format_numbers,
)
from data_contracts.synthetic.errors import SyntheticDataError
from data_contracts.synthetic.firms import draw_firms
from data_contracts.synthetic.industries import industry_table
from data_contracts.synthetic.membership import CLUSTERS, draw_membership
from data_contracts.synthetic.production import simulate_production

#: Independent random streams, one per part of the DGP, so that changing one part
#: (say, the accounting noise) leaves the others' draws unchanged.
_STREAMS = ("numbers", "firms", "membership", "production", "accounts", "deflators")


@dataclass(frozen=True)
class GroundTruth:
    """What the generator knows and the estimators must recover.

    Attributes
    ----------
    elasticities : pandas.DataFrame
        One row per NACE 2-digit division: ``nace2``, ``label``, ``labour``,
        ``capital``, ``returns_to_scale``, ``materials_per_va``.
    true_effect : float
        Membership effect on log TFP in the joining year.
    effect_growth : float
        Additional effect per year since joining.
    effect_profile : pandas.Series
        True effect by event time (years since the first join, 0, 1, ...).
    firm_years : pandas.DataFrame
        One row per filing, in the order of ``SyntheticPopulation.accounts``:
        ``enterprise_number``, ``year`` (calendar year of the closing date),
        ``nace2``, ``months``, ``model``, ``omega`` (log TFP without membership,
        including the division's level), ``effect``, ``log_tfp`` (= omega + effect),
        ``member`` (member of at least one cluster during the year), ``treated``
        (year at or after the first join: the absorbing DiD treatment),
        ``first_join_year`` and ``event_time`` (nullable integers), ``va_real``,
        ``fte``, ``capital_real``, ``materials_real`` (annual, base-year euro),
        their logs ``log_va``, ``log_fte``, ``log_capital``, ``log_materials``,
        and ``epsilon`` (the unforeseen value-added shock, plus the rounding of
        amounts to whole euro). By construction
        ``log_va = log_tfp + labour * log_fte + capital * log_capital + epsilon``,
        and ``va_real``, ``capital_real`` and ``materials_real`` are exactly what the
        study derives from the accounts (value-added route, deflation, annualising
        by ``12 / months``); ``materials_real`` is given also where 60/61 are not
        reported.
    firms : pandas.DataFrame
        One row per enterprise with accounts: ``enterprise_number``, ``nace``,
        ``nace2``, ``region``, ``alpha`` (persistent productivity), ``scale``,
        ``entry_year``, ``last_year`` (last year with accounts), ``first_join_year``,
        ``n_clusters``.
    config : SimulationConfig
        The configuration that produced the population.
    """

    elasticities: pd.DataFrame
    true_effect: float
    effect_growth: float
    effect_profile: pd.Series
    firm_years: pd.DataFrame
    firms: pd.DataFrame
    config: SimulationConfig


@dataclass(frozen=True)
class SyntheticPopulation:
    """The three raw inputs of the study in canonical layouts, plus the truth.

    Attributes
    ----------
    accounts : pandas.DataFrame
        Wide accounts, columns ``data_contracts.layouts.ACCOUNTS_WIDE_COLUMNS``;
        enterprise numbers ``0123.456.789``, closing dates ISO strings, whole-euro
        rubrics as nullable ``Int64`` (missing = not reported), FTE as floats.
        Missing 71, 72, 74, 740 and 76A mean zero.
    membership : pandas.DataFrame
        Columns ``MEMBERSHIP_COLUMNS``; dates ISO strings, ``leave_date`` None when
        the membership is ongoing.
    deflators : pandas.DataFrame
        Columns ``DEFLATOR_COLUMNS``; indices equal 100 in ``base_year``; deflate
        by dividing nominal euro by ``index / 100``.
    truth : GroundTruth
    """

    accounts: pd.DataFrame
    membership: pd.DataFrame
    deflators: pd.DataFrame
    truth: GroundTruth


def simulate_population(config: SimulationConfig) -> SyntheticPopulation:
    """Simulate a Flemish-like firm population with known truth.

    The data-generating process: Cobb-Douglas value added with division-specific
    elasticities; productivity ``omega = a_j + alpha_i + u_it`` with AR(1) ``u``;
    capital chosen a period ahead, labour and (Leontief) materials after
    productivity is seen (Olley and Pakes, 1996; Levinsohn and Petrin, 2003;
    Ackerberg, Caves and Frazer, 2015); entry and exit; selection into cluster
    membership on persistent productivity and size (optionally on a transitory
    dip); staggered joining 2017-2023; a membership effect on log TFP.

    Parameters
    ----------
    config : SimulationConfig
        Size, seed and parameters; :data:`DEMO` is the embedded demo.

    Returns
    -------
    SyntheticPopulation
        Accounts, membership lists, deflators and the ground truth. Deterministic
        given ``config``.
    """
    if not isinstance(config, SimulationConfig):
        raise SyntheticDataError(f"config must be a SimulationConfig, got {type(config).__name__}")
    rngs = dict(zip(_STREAMS, (np.random.default_rng(s)
                               for s in np.random.SeedSequence(config.seed).spawn(len(_STREAMS)))))
    industries = industry_table()
    years = np.asarray(config.years)

    firms = draw_firms(config, industries, rngs["firms"])
    # Older firms carry lower enterprise numbers, as in the register.
    bodies = draw_bodies(rngs["numbers"], config.n_firms, COMPANY_BODY_RANGE)
    order = np.lexsort((rngs["numbers"].random(config.n_firms), firms.entry))
    firm_bodies = np.empty(config.n_firms, dtype=np.int64)
    firm_bodies[order] = bodies
    numbers = format_numbers(firm_bodies)

    membership = draw_membership(config, firms, industries["nace2"], rngs["membership"])
    production = simulate_production(config, industries, firms, membership.first_join,
                                     rngs["production"])
    indices = simulate_deflators(config, industries["nace2"], rngs["deflators"])
    accounts, index = build_accounts(config, industries, firms, production, indices, numbers,
                                     rngs["accounts"])

    membership_frame = _membership_frame(membership.rows, numbers)
    member_now = _member_status(membership.rows, years, config.n_firms)
    truth = _ground_truth(config, industries, firms, production, membership, member_now,
                          index, accounts, numbers)
    return SyntheticPopulation(
        accounts=accounts,
        membership=membership_frame,
        deflators=deflator_frame(config, industries["nace2"], indices),
        truth=truth,
    )


def _iso(dates: np.ndarray) -> np.ndarray:
    text = np.datetime_as_string(dates.astype("datetime64[D]"), unit="D").astype(object)
    text[np.isnat(dates)] = None
    return text


def _membership_frame(rows: pd.DataFrame, numbers: np.ndarray) -> pd.DataFrame:
    firm = rows["firm"].to_numpy()
    has_accounts = firm >= 0
    enterprise = np.empty(len(rows), dtype=object)
    enterprise[has_accounts] = numbers[firm[has_accounts]]
    enterprise[~has_accounts] = format_numbers(rows["body"].to_numpy()[~has_accounts])
    frame = pd.DataFrame({
        "cluster": np.asarray(CLUSTERS, dtype=object)[rows["cluster_idx"].to_numpy()],
        "enterprise_number": enterprise,
        "member_type": rows["member_type"].to_numpy(dtype=object),
        "join_date": _iso(rows["join"].to_numpy()),
        "leave_date": _iso(rows["leave"].to_numpy()),
    })
    frame = frame.sort_values(["cluster", "join_date", "enterprise_number"], kind="stable")
    return frame[list(MEMBERSHIP_COLUMNS)].reset_index(drop=True)


def _member_status(rows: pd.DataFrame, years: np.ndarray, n_firms: int) -> np.ndarray:
    """(n_firms, n_years) whether the firm is a member of some cluster during the year."""
    company = rows[rows["firm"] >= 0]
    firm = company["firm"].to_numpy()
    join = company["join"].to_numpy().astype("datetime64[D]")
    leave = company["leave"].to_numpy().astype("datetime64[D]")
    status = np.zeros((n_firms, len(years)), dtype=bool)
    for t, year in enumerate(years):  # a handful of years
        start, end = np.datetime64(f"{year}-01-01"), np.datetime64(f"{year}-12-31")
        covers = (join <= end) & (np.isnat(leave) | (leave >= start))
        status[:, t] = np.bincount(firm, weights=covers, minlength=n_firms) > 0
    return status


def _ground_truth(config, industries, firms, production, membership, member_now, index,
                  accounts, numbers) -> GroundTruth:
    years = np.asarray(config.years)
    f, t = index.firm, index.year
    nace2 = industries["nace2"].to_numpy(dtype=object)
    first_join = membership.first_join
    joined = first_join[f] > 0
    event = np.where(joined, years[t] - first_join[f], 0)
    omega = production.omega[f, t]
    effect = production.effect[f, t]
    fte = production.fte[f, t]
    # Real values as derived from the reported euro amounts; the rounding to whole
    # euro (relative size below 1e-3) is absorbed into epsilon.
    va = index.derived["va_real"]
    capital = index.derived["capital_real"]
    materials = index.derived["materials_real"]
    b_l = industries["labour"].to_numpy()[firms.industry[f]]
    b_k = industries["capital"].to_numpy()[firms.industry[f]]
    epsilon = np.log(va) - (omega + effect) - b_l * np.log(fte) - b_k * np.log(capital)
    firm_years = pd.DataFrame({
        "enterprise_number": accounts["enterprise_number"].to_numpy(),
        "year": years[t].astype(np.int64),
        "nace2": nace2[firms.industry[f]],
        "months": accounts["months"].to_numpy(),
        "model": accounts["model"].to_numpy(),
        "omega": omega,
        "effect": effect,
        "log_tfp": omega + effect,
        "member": member_now[f, t],
        "treated": joined & (event >= 0),
        "first_join_year": pd.array(np.where(joined, first_join[f], 0), dtype="Int64"),
        "event_time": pd.array(event, dtype="Int64"),
        "va_real": va,
        "fte": fte,
        "capital_real": capital,
        "materials_real": materials,
        "log_va": np.log(va),
        "log_fte": np.log(fte),
        "log_capital": np.log(capital),
        "log_materials": np.log(materials),
        "epsilon": epsilon,
    })
    firm_years.loc[~joined, ["first_join_year", "event_time"]] = pd.NA

    alive = firms.alive
    last_idx = alive.shape[1] - 1 - np.argmax(alive[:, ::-1], axis=1)
    n_clusters = np.bincount(membership.rows["firm"].to_numpy()[membership.rows["firm"] >= 0],
                             minlength=config.n_firms)
    firm_frame = pd.DataFrame({
        "enterprise_number": numbers,
        "nace": firms.nace,
        "nace2": nace2[firms.industry],
        "region": firms.region,
        "alpha": firms.alpha,
        "scale": firms.scale,
        "entry_year": years[firms.entry].astype(np.int64),
        "last_year": years[last_idx].astype(np.int64),
        "first_join_year": pd.array(first_join, dtype="Int64"),
        "n_clusters": n_clusters.astype(np.int64),
    })
    firm_frame.loc[first_join == 0, "first_join_year"] = pd.NA

    elasticities = industries[["nace2", "label", "labour", "capital", "materials_per_va"]].copy()
    elasticities.insert(4, "returns_to_scale", elasticities["labour"] + elasticities["capital"])
    event_times = np.arange(0, config.last_year - JOIN_WINDOW[0] + 1)
    profile = pd.Series(config.true_effect + config.effect_growth * event_times,
                        index=pd.Index(event_times, name="event_time"), name="effect")
    return GroundTruth(
        elasticities=elasticities,
        true_effect=config.true_effect,
        effect_growth=config.effect_growth,
        effect_profile=profile,
        firm_years=firm_years,
        firms=firm_frame,
        config=config,
    )
