"""Who joins which spearhead cluster, when, and the membership lists.

Selection follows the study's premise: firms with higher persistent productivity
and larger scale are likelier to join (so parallel trends hold given firm effects);
with ``dip_selection`` the joining year also follows a negative transitory shock.
Joining is staggered over 2017-2023 within each cluster's operating period.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_contracts.layouts import MEMBER_TYPES, SPEARHEAD_CLUSTERS
from data_contracts.synthetic.config import JOIN_WINDOW, SimulationConfig
from data_contracts.synthetic.enterprise_numbers import (
    COMPANY_BODY_RANGE, ORGANISATION_BODY_RANGE, draw_bodies,
)
from data_contracts.synthetic.firms import FirmDraws
from data_contracts.synthetic.industries import CLUSTER_AFFINITY

CLUSTERS: tuple[str, ...] = tuple(SPEARHEAD_CLUSTERS)
_START = np.array([np.datetime64(s, "D") for s, _ in SPEARHEAD_CLUSTERS.values()])
_END = np.array([np.datetime64(e if e else "9999-12-31", "D") for _, e in SPEARHEAD_CLUSTERS.values()])
#: Relative frequency of first joins by year: the founding waves are largest.
_JOIN_YEAR_WEIGHT = {2017: 2.5, 2018: 2.0}
_NON_COMPANY_TYPES = tuple(t for t in MEMBER_TYPES if t != "company")
_NON_COMPANY_WEIGHTS = (0.55, 0.15, 0.30)


@dataclass(frozen=True)
class MembershipDraws:
    """Membership outcome (internal to the generator)."""

    first_join: np.ndarray   # (n_firms,) first join year, 0 for never
    rows: pd.DataFrame       # one row per membership: cluster, firm (-1 if no accounts), ...


def affinity_matrix(nace2: pd.Series) -> np.ndarray:
    """(n_industries, n_clusters) weights of each division joining each cluster first."""
    lookup = {code: i for i, code in enumerate(nace2)}
    matrix = np.zeros((len(nace2), len(CLUSTERS)))
    for c, cluster in enumerate(CLUSTERS):
        for code, weight in CLUSTER_AFFINITY[cluster].items():
            matrix[lookup[code], c] = weight
    return matrix


def _gumbel_argmax(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """Index drawn with probability proportional to ``weights`` along the last axis."""
    with np.errstate(divide="ignore"):
        logw = np.log(weights)
    return np.argmax(logw + rng.gumbel(size=weights.shape), axis=-1)


def _uniform_dates(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """A uniform day in [low, high] (datetime64[D] arrays)."""
    span = (high - low).astype(np.int64)
    return low + (rng.random(len(low)) * (span + 1)).astype(np.int64).astype("timedelta64[D]")


def _year_bounds(years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    first = (years - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    last = (years - 1969).astype("datetime64[Y]").astype("datetime64[D]") - np.timedelta64(1, "D")
    return first, last


def _open_matrix(years: np.ndarray) -> np.ndarray:
    """(n_clusters, n_years) whether a cluster takes members in the year."""
    first, last = _year_bounds(years)
    return (_START[:, None] <= last[None, :]) & (_END[:, None] >= first[None, :])


def _join_dates(rng, cluster: np.ndarray, year: np.ndarray) -> np.ndarray:
    first, last = _year_bounds(year)
    low = np.maximum(first, _START[cluster])
    high = np.minimum(last, _END[cluster])
    return _uniform_dates(rng, low, high)


def draw_membership(config: SimulationConfig, firms: FirmDraws, nace2: pd.Series,
                    rng: np.random.Generator) -> MembershipDraws:
    """Select member companies, their clusters and join dates, and list the members."""
    years = np.asarray(config.years)
    n, n_years = firms.alive.shape
    in_window = (years >= JOIN_WINDOW[0]) & (years <= min(JOIN_WINDOW[1], config.last_year))
    affinity = affinity_matrix(nace2)
    open_cy = _open_matrix(years) & in_window[None, :]
    # A firm can join only in a year it files accounts and one of its clusters is open.
    joinable = (affinity @ open_cy) > 0
    eligible = (firms.alive & joinable[firms.industry]).any(axis=1)

    # Selection on persistent productivity and scale (plus the cluster's pull).
    z_alpha = firms.alpha / max(config.persistent_sd, 1e-12)
    z_scale = firms.scale / max(np.sqrt(config.scale_sd**2 + config.scale_tail**2), 1e-12)
    pull = np.log1p(affinity.sum(axis=1))[firms.industry]
    # Flemish clusters recruit mostly Flemish firms.
    outside_flanders = np.where(firms.region == "VLG", 0.0, -2.5)
    propensity = (config.selection_on_productivity * z_alpha
                  + config.selection_on_size * z_scale + 0.5 * pull + outside_flanders
                  + rng.gumbel(size=n))
    n_members = min(int(round(config.member_share * n)), int(eligible.sum()))
    propensity[~eligible] = -np.inf
    members = np.sort(np.argsort(-propensity, kind="stable")[:n_members])

    # First cluster and year: joint draw over (cluster, year) cells the firm can use.
    year_weight = np.array([_JOIN_YEAR_WEIGHT.get(int(y), 1.0) for y in years])
    alive_m = firms.alive[members]
    pre_year = np.arange(n_years)[None, :] > firms.entry[members][:, None]
    time_weight = alive_m * year_weight[None, :] * np.where(pre_year, 1.0, 0.2)
    if config.dip_selection:
        sd_u = config.innovation_sd / np.sqrt(1.0 - config.rho**2)
        lagged_u = np.hstack([firms.u_before[members][:, None], firms.u[members][:, :-1]])
        time_weight = time_weight * np.exp(-config.dip_strength * lagged_u / sd_u)
    weights = (affinity[firms.industry[members]][:, :, None] * open_cy[None, :, :]
               * time_weight[:, None, :])
    cell = _gumbel_argmax(rng, weights.reshape(len(members), len(CLUSTERS) * n_years))
    first_cluster, first_year_idx = np.divmod(cell, n_years)
    first_year = years[first_year_idx]
    first_dates = _join_dates(rng, first_cluster, first_year)

    # A share of members joins a second cluster in the same or a later year.
    second = rng.random(len(members)) < config.multi_cluster_share
    sec_idx = np.nonzero(second)[0]
    later = np.arange(n_years)[None, :] >= first_year_idx[sec_idx][:, None]
    sec_time = alive_m[sec_idx] & later
    sec_aff = affinity[firms.industry[members[sec_idx]]] + 1.0
    sec_aff[np.arange(len(sec_idx)), first_cluster[sec_idx]] = 0.0
    sec_weights = sec_aff[:, :, None] * open_cy[None, :, :] * sec_time[:, None, :]
    usable = sec_weights.reshape(len(sec_idx), len(CLUSTERS) * n_years).sum(axis=1) > 0
    sec_idx, sec_weights = sec_idx[usable], sec_weights[usable]
    sec_cell = _gumbel_argmax(rng, sec_weights.reshape(len(sec_idx), len(CLUSTERS) * n_years))
    sec_cluster, sec_year_idx = np.divmod(sec_cell, n_years)
    sec_dates = _join_dates(rng, sec_cluster, years[sec_year_idx])
    # A second membership starting the same year must not predate the first one.
    sec_dates = np.maximum(sec_dates, first_dates[sec_idx])

    company = pd.DataFrame({
        "cluster_idx": np.concatenate([first_cluster, sec_cluster]),
        "firm": np.concatenate([members, members[sec_idx]]),
        "join": np.concatenate([first_dates, sec_dates]),
    })

    # Members listed by a cluster whose accounts are not in the data, and organisations.
    n_company_rows = len(company)
    n_unmatched = int(round(config.unmatched_company_share * n_company_rows
                            / (1.0 - config.unmatched_company_share)))
    n_org = int(round(config.non_company_share * (n_company_rows + n_unmatched)
                      / (1.0 - config.non_company_share)))
    outsiders = _outsider_rows(config, rng, n_unmatched, n_org)

    rows = pd.concat([company.assign(member_type="company", body=-1), outsiders],
                     ignore_index=True)
    rows["leave"] = _leave_dates(config, rng, rows["cluster_idx"].to_numpy(),
                                 rows["join"].to_numpy().astype("datetime64[D]"))
    first_join = np.zeros(n, dtype=np.int64)
    first_join[members] = first_year
    return MembershipDraws(first_join=first_join, rows=rows)


def _outsider_rows(config: SimulationConfig, rng: np.random.Generator,
                   n_unmatched: int, n_org: int) -> pd.DataFrame:
    """Membership rows of enterprises without accounts (unmatched companies, organisations)."""
    n_clusters = len(CLUSTERS)
    # Organisations (universities, agencies) often sit in several clusters: draw
    # distinct (organisation, cluster) pairs.
    n_entities = max(1, int(np.ceil(n_org / 3)))
    pairs = rng.choice(n_entities * n_clusters, size=min(n_org, n_entities * n_clusters),
                       replace=False)
    org_entity, org_cluster = np.divmod(pairs, n_clusters)
    org_bodies = draw_bodies(rng, n_entities, ORGANISATION_BODY_RANGE)
    org_type = np.asarray(_NON_COMPANY_TYPES, dtype=object)[
        rng.choice(len(_NON_COMPANY_TYPES), size=n_entities, p=_NON_COMPANY_WEIGHTS)]
    # Unmatched companies take numbers above the range the firms with accounts use.
    un_bodies = draw_bodies(rng, n_unmatched, (COMPANY_BODY_RANGE[1], COMPANY_BODY_RANGE[1] + 900_000))
    un_cluster = rng.integers(0, n_clusters, size=n_unmatched)

    cluster_idx = np.concatenate([org_cluster, un_cluster]).astype(np.int64)
    last_join = np.datetime64(f"{min(JOIN_WINDOW[1], config.last_year)}-12-31", "D")
    low = _START[cluster_idx]
    high = np.minimum(_END[cluster_idx], last_join)
    # Half of the organisations are founding members (joined on the first day).
    founding = np.concatenate([rng.random(len(org_cluster)) < 0.5, np.zeros(n_unmatched, bool)])
    join = np.where(founding, low, _uniform_dates(rng, low, high))
    return pd.DataFrame({
        "cluster_idx": cluster_idx,
        "firm": -1,
        "join": join,
        "member_type": np.concatenate([org_type[org_entity], np.full(n_unmatched, "company", object)]),
        "body": np.concatenate([org_bodies[org_entity], un_bodies]),
    })


def _leave_dates(config: SimulationConfig, rng: np.random.Generator,
                 cluster_idx: np.ndarray, join: np.ndarray) -> np.ndarray:
    """Leave dates (NaT when still a member); every membership ends when its cluster does."""
    horizon = np.datetime64(f"{config.last_year}-12-31", "D")
    earliest = join + np.timedelta64(365, "D")
    leaves = (rng.random(len(join)) < config.leave_share) & (earliest < horizon)
    drawn = _uniform_dates(rng, np.minimum(earliest, horizon), np.full(len(join), horizon))
    leave = np.where(leaves, drawn, np.datetime64("NaT"))
    ended = _END[cluster_idx] <= horizon
    cap = np.where(ended, _END[cluster_idx], np.datetime64("NaT"))
    leave = np.where(ended & (np.isnat(leave) | (leave > cap)), cap, leave)
    return leave.astype("datetime64[D]")
