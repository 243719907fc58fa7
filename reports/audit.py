"""Disclosure self-audit of a published folder, from the attacker's side.

:func:`audit_publication` reads only what a reader gets, the published tables
(``tables/*.csv``, with footnotes from ``tables/*.md``; the companions in
``disclosure/`` are for the output checker and are not used), rebuilds every relation
among the cells that the tables' layout and footnotes give away, and bounds each
suppressed cell by linear programming over those relations (the attacker's
feasibility interval of secondary suppression, Hundepool et al., 2012, *Statistical
Disclosure Control*, section 4.3, computed as audit programs do, with the rounding of
each published value as its bounds). A cell leaks when its interval is so narrow that
the attacker's estimate lies within its protection interval:

* a magnitude (FTE, value added, VA per FTE): the interval's midpoint is within
  ``p`` percent of every value of the interval, ``(hi - lo) / 2 <= p * min(|lo|, |hi|)``
  (an interval that holds 0 never leaks: a known empty cell reveals no firm);
* a mean of log values (TFP): the half-width is at most ``log(1 + p)``, i.e. the
  TFP level within ``p`` percent;
* a count of firms (matched members, SMEs, flows, members behind a dummy): the
  interval holds one integer, at least 1.

Relations used, by table (names by prefix; tables of other shapes are listed as not
audited):

* M1: matched <= listed (public); each cluster-year and "All clusters" as sums over
  clusters, with the overlap of multi-cluster firms between 0 and the overlap of the
  listed members (an equality when the lists show none); SME and foreign-owned
  counts = share x matched.
* M2: entrants - leavers = net; stayers + entrants = listed this year, stayers +
  leavers = listed last year (M1).
* M3: the "All clusters" relation per year and magnitude (an equality when M1 shows
  no multi-cluster overlap, else ``max <= All <= sum``); a cluster-year without a
  matched firm is 0; the regional total from any published level and share, so a
  published share gives its level.
* M4: VA per FTE ties M3's value added to its FTE (``1000 VA = ratio x FTE``); growth
  rates give a level from the other year's; mean TFP x matched count adds up over
  clusters like any total.
* T1: members + non-members = all firms of the reference year, whose totals other
  tables and public statistics give (conservative: one group hidden and the other
  shown is a leak); a published "median" must be the mean of the middle firms
  (:func:`reports.disclosure.middle_mean`), with 0 or at least ``min_firms`` firms
  left out; any other quantile column (min, max, percentiles) is a leak.
* T5: the members behind the groups of every dimension add up to the same total.
* T2, T3 (``main_effect``), T4, T6: regression results, not parts of any total; their
  suppressed cells are counted, no relation bounds them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from reports.disclosure import DisclosureRules
from reports.errors import ReportError

ALL_CLUSTERS = "All clusters"
_INF = math.inf
#: Tolerance of the LP solutions (values are at most ~1e6 in the tables' units).
_TOL = 1e-7


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Leak:
    """One suppressed cell an attacker can pin down within its protection interval."""

    table: str
    row: str
    column: str
    lower: float
    upper: float
    kind: str  # "magnitude", "log", "count", "order statistic", "complement"
    how: str

    def describe(self) -> str:
        interval = (
            f"[{self.lower:,.6g}, {self.upper:,.6g}]"
            if math.isfinite(self.lower) and math.isfinite(self.upper)
            else "(structural)"
        )
        return f"{self.table}: {self.row} / {self.column}: recovered {interval} ({self.kind}; {self.how})"


@dataclass(frozen=True)
class AuditResult:
    """What :func:`audit_publication` found.

    Attributes
    ----------
    leaks
        Every suppressed (or order-statistic) cell recovered within its protection
        interval; empty when the publication is safe.
    tables
        Tables audited.
    not_audited
        Published tables whose layout the audit does not know (their cells are not
        bounded; list them to the output checker).
    n_suppressed
        Suppressed cells bounded.
    n_relations
        Linear relations and bounds the attacker was given.
    notes
        Relations relaxed because the published values contradicted them (rounding
        or a model assumption), for the record.
    """

    out_dir: Path
    leaks: tuple[Leak, ...]
    tables: tuple[str, ...]
    not_audited: tuple[str, ...]
    n_suppressed: int
    n_relations: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """True when no leak was found."""
        return not self.leaks

    def summary(self) -> str:
        """Human-readable report: one line per leak, then the totals."""
        lines = [leak.describe() for leak in self.leaks]
        lines += [f"note: {n}" for n in self.notes]
        if self.not_audited:
            lines.append(f"not audited (unknown layout): {', '.join(self.not_audited)}")
        verdict = "LEAK" if self.leaks else "ok"
        lines.append(
            f"{verdict}: {len(self.leaks)} leak(s); {self.n_suppressed} suppressed cell(s) in "
            f"{len(self.tables)} table(s) bounded with {self.n_relations} relation(s)"
        )
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The leaks as a frame (table, row, column, lower, upper, kind, how)."""
        return pd.DataFrame(
            [(x.table, x.row, x.column, x.lower, x.upper, x.kind, x.how) for x in self.leaks],
            columns=["table", "row", "column", "lower", "upper", "kind", "how"],
        )


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class _Cell:
    hidden: bool
    value: float  # NaN when hidden or not a number
    half: float  # half a unit of the last printed digit


@dataclass
class _Table:
    name: str
    frame: pd.DataFrame  # index = row label columns, cells as text
    footnote: str
    marker: str

    def cell(self, row: Hashable, column: str) -> _Cell:
        text = str(self.frame.at[row, column]).strip() if column in self.frame.columns else ""
        if text == self.marker:
            return _Cell(True, math.nan, 0.0)
        return _parse_number(text)

    def row_name(self, row: Hashable) -> str:
        return " | ".join(str(x) for x in row) if isinstance(row, tuple) else str(row)


_NUMBER = re.compile(r"^\(?(?P<num>-?[0-9][0-9,]*(?:\.(?P<dec>[0-9]+))?)\)?\**$")


def _parse_number(text: str) -> _Cell:
    match = _NUMBER.match(text.replace("\u2212", "-"))
    if not match:
        return _Cell(False, math.nan, 0.0)
    decimals = len(match.group("dec") or "")
    return _Cell(False, float(match.group("num").replace(",", "")), 0.5 * 10.0**-decimals)


_INDEX_COLUMNS = {"M1": 2, "M2": 2, "M3": 2, "M4": 2, "T1": 1, "T2": 2, "T5": 2, "T6": 2}
#: Tables of regression results (T2 elasticities, T3 main effect, T4 balance, T6
#: robustness): each suppressed column or block is a whole regression, not a part of
#: a published total, so no relation bounds it (T5's member counts are audited).
_REGRESSION_TABLES = {"T2", "T3", "T4", "T6"}


def _kind(name: str) -> str:
    return name.split("_", 1)[0].upper()


def _footnote(md: Path) -> str:
    if not md.exists():
        return ""
    text = md.read_text(encoding="utf-8").rstrip().splitlines()
    last = text[-1].strip() if text else ""
    if last.startswith("_") and last.endswith("_"):
        last = last[1:-1]
    return last.replace(r"\_", "_").replace(r"\*", "*")


def _rules_of(footnote: str) -> DisclosureRules:
    """The thresholds a footnote states (defaults where it is silent)."""
    found = {}
    m = re.search(r"at least (\d+) firms, top-2 share at most (\d+(?:\.\d+)?)%", footnote)
    if m:
        found.update(min_firms=int(m.group(1)), dominance_top2_share=float(m.group(2)) / 100)
    m = re.search(r"p% rule with p = (\d+(?:\.\d+)?)%", footnote)
    if m:
        found["p_percent"] = float(m.group(1)) / 100
    m = re.search(r"Cells marked (\S+) are suppressed", footnote)
    if m:
        found["marker"] = m.group(1)
    try:
        return DisclosureRules(**found)
    except ReportError:
        return DisclosureRules()


def read_published_tables(out_dir: str | Path) -> dict[str, _Table]:
    """The published tables of ``out_dir/tables`` as text frames, by table name."""
    folder = Path(out_dir) / "tables"
    if not folder.is_dir():
        raise ReportError(f"{out_dir}: no tables/ folder to audit")
    tables = {}
    for path in sorted(folder.glob("*.csv")):
        if path.stem.endswith("_disclosure"):
            continue  # a companion: for the output checker, not published
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        footnote = _footnote(path.with_suffix(".md"))
        levels = _INDEX_COLUMNS.get(_kind(path.stem), 1)
        levels = min(levels, max(frame.shape[1] - 1, 1))
        frame = frame.set_index(list(frame.columns[:levels]))
        tables[path.stem] = _Table(path.stem, frame, footnote, _rules_of(footnote).marker)
    return tables


# --------------------------------------------------------------------------- the LP


class _System:
    """Linear bounds and relations among named unknowns; intervals by LP (HiGHS)."""

    def __init__(self) -> None:
        self.lo: dict[Hashable, float] = {}
        self.hi: dict[Hashable, float] = {}
        self.rows: list[tuple[dict[Hashable, float], float, float]] = []

    def var(self, key: Hashable, lo: float = -_INF, hi: float = _INF) -> Hashable:
        self.lo[key] = max(self.lo.get(key, -_INF), lo)
        self.hi[key] = min(self.hi.get(key, _INF), hi)
        return key

    def add(self, coefs: dict[Hashable, float], lo: float = -_INF, hi: float = _INF) -> None:
        coefs = {k: v for k, v in coefs.items() if v != 0}
        for k in coefs:
            self.var(k)
        if coefs:
            self.rows.append((coefs, lo, hi))

    def intervals(self, targets: Iterable[Hashable]) -> tuple[dict[Hashable, tuple[float, float]], list[Hashable]]:
        """``{target: (min, max)}`` over the feasible set, and the targets whose
        connected relations are infeasible (contradicted by the published values)."""
        parent: dict[Hashable, Hashable] = {k: k for k in self.lo}

        def find(k: Hashable) -> Hashable:
            while parent[k] != k:
                parent[k] = parent[parent[k]]
                k = parent[k]
            return k

        for coefs, _, _ in self.rows:
            keys = list(coefs)
            for k in keys[1:]:
                ra, rb = find(keys[0]), find(k)
                if ra != rb:
                    parent[rb] = ra
        members: dict[Hashable, list[Hashable]] = {}
        for k in self.lo:
            members.setdefault(find(k), []).append(k)
        rows_of: dict[Hashable, list[int]] = {}
        for i, (coefs, _, _) in enumerate(self.rows):
            rows_of.setdefault(find(next(iter(coefs))), []).append(i)
        out: dict[Hashable, tuple[float, float]] = {}
        infeasible: list[Hashable] = []
        by_root: dict[Hashable, list[Hashable]] = {}
        for t in targets:
            if t not in self.lo:
                continue
            if self.lo[t] == self.hi[t] or find(t) not in rows_of:
                out[t] = (self.lo[t], self.hi[t])  # published, or bound by nothing but its own bounds
                continue
            by_root.setdefault(find(t), []).append(t)
        for root, wanted in by_root.items():
            keys = members[root]
            pos = {k: i for i, k in enumerate(keys)}
            rows = [self.rows[i] for i in rows_of.get(root, [])]
            a_ub, b_ub, a_eq, b_eq = [], [], [], []
            for coefs, lo, hi in rows:
                vec = np.zeros(len(keys))
                for k, v in coefs.items():
                    vec[pos[k]] = v
                if lo == hi:
                    a_eq.append(vec)
                    b_eq.append(lo)
                    continue
                if hi < _INF:
                    a_ub.append(vec)
                    b_ub.append(hi)
                if lo > -_INF:
                    a_ub.append(-vec)
                    b_ub.append(-lo)
            bounds = [
                (None if self.lo[k] == -_INF else self.lo[k], None if self.hi[k] == _INF else self.hi[k]) for k in keys
            ]
            problem = {
                "A_ub": np.array(a_ub) if a_ub else None,
                "b_ub": np.array(b_ub) if b_ub else None,
                "A_eq": np.array(a_eq) if a_eq else None,
                "b_eq": np.array(b_eq) if b_eq else None,
                "bounds": bounds,
                "method": "highs",
            }
            for t in wanted:
                c = np.zeros(len(keys))
                c[pos[t]] = 1.0
                ends = []
                for sign in (1.0, -1.0):
                    res = linprog(sign * c, **problem)
                    if res.status == 2:  # infeasible
                        ends = None
                        break
                    ends.append(sign * res.fun if res.status == 0 else sign * -_INF)
                if ends is None:
                    infeasible.append(t)
                    continue
                out[t] = (ends[0], ends[1])
        return out, infeasible


# --------------------------------------------------------------------------- criteria


def _magnitude_leak(lo: float, hi: float, p: float) -> bool:
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo <= _TOL and hi >= -_TOL:
        return False  # unbounded, or may be 0 (an empty cell reveals no firm)
    return (hi - lo) / 2 <= p * min(abs(lo), abs(hi)) + _TOL


def _log_leak(lo: float, hi: float, p: float) -> bool:
    return math.isfinite(lo) and math.isfinite(hi) and (hi - lo) / 2 <= math.log1p(p) + _TOL


def _count_leak(lo: float, hi: float) -> bool:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return False
    first, last = math.ceil(lo - 1e-6), math.floor(hi + 1e-6)
    return first == last and first >= 1


# --------------------------------------------------------------------------- auditor


class _Auditor:
    def __init__(self, tables: dict[str, _Table]) -> None:
        self.tables = tables
        self.leaks: list[Leak] = []
        self.notes: list[str] = []
        self.n_suppressed = 0
        self.n_relations = 0
        self.audited: list[str] = []
        by_kind: dict[str, list[_Table]] = {}
        for t in tables.values():
            by_kind.setdefault(_kind(t.name), []).append(t)
        self.by_kind = by_kind
        first = next(iter(tables.values()), None)
        self.rules = _rules_of(first.footnote) if first is not None else DisclosureRules()
        # results of the count stage, used by the magnitude stage
        self.count: dict[tuple[str, int], tuple[float, float]] = {}
        self.overlap_max: dict[int, float] = {}

    def one(self, kind: str) -> _Table | None:
        found = self.by_kind.get(kind, [])
        return found[0] if found else None

    # -- helpers
    def _fix(self, system: _System, key: Hashable, cell: _Cell, lo: float = -_INF) -> None:
        system.var(key, max(lo, cell.value - cell.half), cell.value + cell.half)

    def _report(
        self,
        table: _Table,
        row: Hashable,
        column: str,
        interval: tuple[float, float],
        kind: str,
        how: str,
    ) -> None:
        self.leaks.append(Leak(table.name, table.row_name(row), column, interval[0], interval[1], kind, how))

    def _cluster_rows(self, table: _Table) -> tuple[list[str], list[int]]:
        rows = list(table.frame.index)
        clusters = list(dict.fromkeys(str(c) for c, _ in rows))
        years = sorted({int(y) for _, y in rows})
        return clusters, years

    def _solve(self, system: _System, targets: list[Hashable], what: str):
        self.n_relations += len(system.rows)
        found, infeasible = system.intervals(targets)
        if infeasible:
            self.notes.append(f"{what}: relations contradicted by the published values for {len(infeasible)} cell(s)")
        return found

    # -- stage 1: counts (M1, M2)
    def counts(self) -> None:
        m1, m2 = self.one("M1"), self.one("M2")
        system = _System()
        targets: list[tuple[Hashable, _Table, Hashable, str, str]] = []
        listed: dict[tuple[str, int], float] = {}
        if m1 is not None:
            self.audited.append(m1.name)
            clusters, years = self._cluster_rows(m1)
            for c, y in m1.frame.index:
                cell = m1.cell((c, y), "Members listed")
                if not cell.hidden and math.isfinite(cell.value):
                    listed[(c, int(y))] = cell.value
            for c, y in m1.frame.index:
                y = int(y)
                cap = listed.get((c, y), _INF)
                n_key = ("n", c, y)
                system.var(n_key, 0.0, cap)
                n_cell = m1.cell((c, str(y)), "Matched to accounts")
                if n_cell.hidden:
                    targets.append((n_key, m1, (c, str(y)), "Matched to accounts", "count"))
                elif math.isfinite(n_cell.value):
                    system.var(n_key, n_cell.value, n_cell.value)
                for col, tag in (("SME share (%)", "sme"), ("Foreign-owned share (%)", "foreign")):
                    key = (tag, c, y)
                    system.var(key, 0.0, cap)
                    system.add({key: 1.0, n_key: -1.0}, hi=0.0)
                    share = m1.cell((c, str(y)), col)
                    if share.hidden:
                        targets.append((key, m1, (c, str(y)), col, "share count"))
                    elif math.isfinite(share.value) and not n_cell.hidden and math.isfinite(n_cell.value):
                        lo = (share.value - share.half) * n_cell.value / 100
                        hi = (share.value + share.half) * n_cell.value / 100
                        system.var(key, math.ceil(lo - 1e-9), math.floor(hi + 1e-9))
            body = [c for c in clusters if c != ALL_CLUSTERS]
            for y in years:
                spare = sum(listed.get((c, y), 0.0) for c in body) - listed.get((ALL_CLUSTERS, y), 0.0)
                spare = max(spare, 0.0) if all((c, y) in listed for c in [*body, ALL_CLUSTERS]) else _INF
                for tag in ("n", "sme", "foreign"):
                    overlap = system.var(("overlap", tag, y), 0.0, spare)
                    system.add({**{(tag, c, y): 1.0 for c in body}, (tag, ALL_CLUSTERS, y): -1.0, overlap: -1.0}, 0.0, 0.0)
                    for c in body:  # each cluster's members are among all members
                        system.add({(tag, ALL_CLUSTERS, y): 1.0, (tag, c, y): -1.0}, lo=0.0)
        if m2 is not None:
            self.audited.append(m2.name)
            heads = {"Stayers": "stay", "Entrants": "enter", "Leavers": "leave", "Net change": "net"}
            for c, y in m2.frame.index:
                y = int(y)
                cells = {tag: m2.cell((c, str(y)), col) for col, tag in heads.items()}
                if all(not x.hidden and math.isnan(x.value) for x in cells.values()):
                    continue  # first year: no flows
                for col, tag in heads.items():
                    key = ("m2", tag, c, y)
                    system.var(key, -_INF if tag == "net" else 0.0)
                    x = cells[tag]
                    if x.hidden:
                        if tag != "net":
                            targets.append((key, m2, (c, str(y)), col, "count"))
                    elif math.isfinite(x.value):
                        system.var(key, x.value, x.value)
                system.add({("m2", "enter", c, y): 1.0, ("m2", "leave", c, y): -1.0, ("m2", "net", c, y): -1.0}, 0.0, 0.0)
                if (c, y) in listed:
                    system.add({("m2", "stay", c, y): 1.0, ("m2", "enter", c, y): 1.0}, listed[(c, y)], listed[(c, y)])
                if (c, y - 1) in listed:
                    v = listed[(c, y - 1)]
                    system.add({("m2", "stay", c, y): 1.0, ("m2", "leave", c, y): 1.0}, v, v)
        overlaps = [k for k in system.lo if isinstance(k, tuple) and k[:2] == ("overlap", "n")]
        n_keys = [k for k in system.lo if isinstance(k, tuple) and k[0] == "n"]
        keys = [t[0] for t in targets]
        found = self._solve(system, list(dict.fromkeys([*keys, *overlaps, *n_keys])), "counts")
        self.n_suppressed += len(targets)
        for key in n_keys:
            if key in found:
                self.count[(key[1], key[2])] = found[key]
        for key in overlaps:
            if key in found:
                self.overlap_max[key[2]] = found[key][1]
        for key, table, row, column, kind in targets:
            if key not in found:
                continue
            lo, hi = found[key]
            if kind == "share count":
                n_lo, n_hi = found.get(("n", key[1], key[2]), (0.0, _INF))
                if _count_leak(lo, hi) and _count_leak(n_lo, n_hi):
                    self._report(table, row, column, (100 * lo / n_lo, 100 * hi / n_hi), "count",
                                 "share = count / matched, both pinned by the cluster sums")
            elif _count_leak(lo, hi):
                self._report(table, row, column, (lo, hi), "count", "cluster sums and listed members")

    # -- stage 2: magnitudes (M3, M4)
    def magnitudes(self) -> None:
        m3, m4 = self.one("M3"), self.one("M4")
        if m3 is None:
            if m4 is not None:
                self.audited.append(m4.name)
                self._ratios(m4)
                self._tfp(m4)
            return
        self.audited.append(m3.name)
        clusters, years = self._cluster_rows(m3)
        body = [c for c in clusters if c != ALL_CLUSTERS]
        heads = {
            "fte": ("Members' FTE", "FTE share of region (%)"),
            "va": ("Members' value added (EUR m)", "VA share of region (%)"),
        }
        system = _System()
        targets: list[tuple[Hashable, _Table, Hashable, str, str]] = []
        for mag, (level_col, share_col) in heads.items():
            cells = {(c, int(y)): (m3.cell((c, y), level_col), m3.cell((c, y), share_col)) for c, y in m3.frame.index}
            published = [lv.value for lv, _ in cells.values() if not lv.hidden and math.isfinite(lv.value)]
            floor = 0.0 if mag == "fte" or all(v >= 0 for v in published) else -_INF
            region: dict[int, tuple[float, float]] = {}
            for (c, y), (lv, sh) in cells.items():
                if lv.hidden or sh.hidden or not (math.isfinite(lv.value) and math.isfinite(sh.value)):
                    continue
                if sh.value - sh.half > 0 and lv.value - lv.half > 0:
                    lo = (lv.value - lv.half) / (sh.value + sh.half) * 100
                    hi = (lv.value + lv.half) / (sh.value - sh.half) * 100
                    old = region.get(y, (-_INF, _INF))
                    region[y] = (max(old[0], lo), min(old[1], hi))
            for (c, y), (lv, sh) in cells.items():
                key = (mag, c, y)
                system.var(key, floor)
                if self._empty(c, y):
                    system.var(key, 0.0, 0.0)  # no matched firm: known to be 0
                if lv.hidden:
                    targets.append((key, m3, (c, str(y)), level_col, "magnitude"))
                    if not sh.hidden and math.isfinite(sh.value) and y in region:
                        lo_r, hi_r = region[y]
                        system.var(key, max(0.0, sh.value - sh.half) * lo_r / 100, (sh.value + sh.half) * hi_r / 100)
                elif math.isfinite(lv.value):
                    self._fix(system, key, lv, floor)
            for y in years:
                equal = self.overlap_max.get(y, _INF) <= _TOL
                total = (mag, ALL_CLUSTERS, y)
                if total not in system.lo:
                    continue
                coefs = {**{(mag, c, y): 1.0 for c in body if (mag, c, y) in system.lo}, total: -1.0}
                if equal:
                    system.add(coefs, 0.0, 0.0)
                elif floor == 0.0:
                    system.add(coefs, lo=0.0)  # All clusters counts multi-cluster firms once
                    for c in body:
                        if (mag, c, y) in system.lo:
                            system.add({total: 1.0, (mag, c, y): -1.0}, lo=0.0)
        if m4 is not None:
            self.audited.append(m4.name)
            for (c, y), ratio in self._ratios(m4).items():
                lo, hi = ratio
                if ("fte", c, y) in system.lo and ("va", c, y) in system.lo:
                    # 1000 x VA (EUR m) / FTE = VA per FTE (EUR thousand); FTE >= 0
                    system.add({("va", c, y): 1000.0, ("fte", c, y): -lo}, lo=0.0)
                    system.add({("va", c, y): 1000.0, ("fte", c, y): -hi}, hi=0.0)
        keys = [t[0] for t in targets]
        found = self._solve(system, keys, "magnitudes")
        self.n_suppressed += len(targets)
        p = self.rules.p_percent
        for key, table, row, column, kind in targets:
            if key in found and _magnitude_leak(*found[key], p):
                self._report(table, row, column, found[key], kind,
                             "All clusters minus published clusters, shares, VA per FTE")
        if m4 is not None:
            self._tfp(m4)

    def _empty(self, cluster: str, year: int) -> bool:
        return self.count.get((cluster, year), (0.0, _INF))[1] <= _TOL

    def _series(self, m4: _Table, column: str) -> dict[tuple[str, int], _Cell]:
        return {(c, int(y)): m4.cell((c, y), column) for c, y in m4.frame.index}

    def _chain(self, level: dict, growth: dict, ratio: bool) -> dict[tuple[str, int], tuple[float, float]]:
        """Level intervals, published or derived from a published neighbour and growth."""
        out: dict[tuple[str, int], tuple[float, float]] = {}
        for key, cell in level.items():
            if not cell.hidden and math.isfinite(cell.value):
                out[key] = (cell.value - cell.half, cell.value + cell.half)
        changed = True
        while changed:  # a chain of published growth rates carries a level across years
            changed = False
            for (c, y), g in growth.items():
                if g.hidden or not math.isfinite(g.value):
                    continue
                g_lo, g_hi = g.value - g.half, g.value + g.half
                cur, prev = (c, y), (c, y - 1)
                if cur in out and prev not in out and prev in level:
                    lo, hi = out[cur]
                    out[prev] = (lo / (1 + g_hi / 100), hi / (1 + g_lo / 100)) if ratio else (lo - g_hi / 100, hi - g_lo / 100)
                    changed = True
                elif prev in out and cur not in out and cur in level:
                    lo, hi = out[prev]
                    out[cur] = (lo * (1 + g_lo / 100), hi * (1 + g_hi / 100)) if ratio else (lo + g_lo / 100, hi + g_hi / 100)
                    changed = True
        return out

    def _ratios(self, m4: _Table) -> dict[tuple[str, int], tuple[float, float]]:
        level = self._series(m4, "VA per FTE: members")
        growth = self._series(m4, "VA per FTE growth: members (%)")
        out = self._chain(level, growth, ratio=True)
        p = self.rules.p_percent
        for key, cell in level.items():
            if cell.hidden:
                self.n_suppressed += 1
                if key in out and _magnitude_leak(*out[key], p):
                    self._report(m4, (key[0], str(key[1])), "VA per FTE: members", out[key], "magnitude",
                                 "a published level and growth rate")
        return out

    def _tfp(self, m4: _Table) -> None:
        level = self._series(m4, "TFP: members")
        growth = self._series(m4, "TFP growth: members (x100)")
        known = self._chain(level, growth, ratio=False)
        # sums of log TFP (mean x matched count, M1) add up over clusters where M1 shows
        # no multi-cluster overlap; a hidden count enters with its interval from M1
        system = _System()
        body = sorted({c for c, _ in level if c != ALL_CLUSTERS})
        for (c, y), cell in level.items():
            key = ("tfp_sum", c, y)
            n_lo, n_hi = self.count.get((c, y), (0.0, _INF))
            if self._empty(c, y):
                system.var(key, 0.0, 0.0)
            elif (c, y) in known and math.isfinite(n_hi):
                lo, hi = known[(c, y)]
                ends = [lo * n_lo, lo * n_hi, hi * n_lo, hi * n_hi]
                system.var(key, min(ends), max(ends))
            else:
                system.var(key)
        for y in sorted({y for _, y in level}):
            if self.overlap_max.get(y, _INF) <= _TOL and (ALL_CLUSTERS, y) in level:
                system.add({**{("tfp_sum", c, y): 1.0 for c in body if (c, y) in level}, ("tfp_sum", ALL_CLUSTERS, y): -1.0}, 0.0, 0.0)
        targets = [k for k, cell in level.items() if cell.hidden]
        found = self._solve(system, [("tfp_sum", c, y) for c, y in targets], "TFP sums")
        p = self.rules.p_percent
        for c, y in targets:
            self.n_suppressed += 1
            interval = known.get((c, y))
            how = "a published level and growth rate"
            n_lo, n_hi = self.count.get((c, y), (0.0, _INF))
            s = found.get(("tfp_sum", c, y))
            if interval is None and s is not None and n_lo >= 1 - _TOL and math.isfinite(n_hi):
                ends = [s[0] / n_lo, s[0] / n_hi, s[1] / n_lo, s[1] / n_hi]
                interval, how = (min(ends), max(ends)), "All clusters x matched minus the published clusters"
            if interval is not None and _log_leak(*interval, p):
                self._report(m4, (c, str(y)), "TFP: members", interval, "log", how)

    # -- T1
    def profile(self) -> None:
        t1 = self.one("T1")
        if t1 is None:
            return
        self.audited.append(t1.name)
        rules = _rules_of(t1.footnote) if t1.footnote else self.rules
        declared = "mean of the middle" in t1.footnote.lower()
        groups = sorted({c.split(":", 1)[0] for c in t1.frame.columns if ":" in c})
        for row in t1.frame.index:
            means = {g: t1.cell(row, f"{g}: mean") for g in groups}
            hidden = [g for g, cell in means.items() if cell.hidden]
            self.n_suppressed += sum(t1.cell(row, c).hidden for c in t1.frame.columns)
            if len(hidden) == 1 and len(groups) == 2:
                other = next(g for g in groups if g not in hidden)
                if not means[other].hidden and math.isfinite(means[other].value):
                    self._report(t1, row, f"{hidden[0]}: mean", (math.nan, math.nan), "complement",
                                 f"all firms of the year minus {other} (mean x N)")
            for g in groups:
                col = f"{g}: median"
                med, n = t1.cell(row, col), t1.cell(row, f"{g}: N")
                if med.hidden or not math.isfinite(med.value):
                    continue
                if not declared:
                    self._report(t1, row, col, (med.value, med.value), "order statistic",
                                 "a plain median is one firm's value (two for an even group)")
                    continue
                if n.hidden or not math.isfinite(n.value):
                    continue
                size, k = int(n.value), int(rules.min_firms)
                kk = min(size, k + (size - k) % 2)
                if 0 < size - kk < k:
                    self._report(t1, row, col, (math.nan, math.nan), "complement",
                                 f"mean x N minus the middle {kk} leaves the sum of {size - kk} firms")

    # -- any table: order statistics other than declared middle means
    def order_statistics(self) -> None:
        pattern = re.compile(r"\b(min|max|minimum|maximum|quantile|percentile|p[0-9]{1,2}|q[1-3]|iqr)\b", re.I)
        for table in self.tables.values():
            for col in table.frame.columns:
                if not pattern.search(str(col)):
                    continue
                for row in table.frame.index:
                    cell = table.cell(row, col)
                    if not cell.hidden and math.isfinite(cell.value):
                        self._report(table, row, col, (cell.value, cell.value), "order statistic",
                                     "a minimum, maximum or quantile is one firm's value")

    # -- T5
    def heterogeneity(self) -> None:
        t5 = self.one("T5")
        if t5 is None or "N members" not in t5.frame.columns:
            return
        self.audited.append(t5.name)
        system = _System()
        total = system.var(("t5", "total"), 0.0)
        targets = []
        dims: dict[str, list[Hashable]] = {}
        for row in t5.frame.index:
            dim, group = str(row[0]), str(row[1])
            if group == "Equality test":
                continue
            cell = t5.cell(row, "N members")
            key = system.var(("t5", dim, group), 0.0)
            dims.setdefault(dim, []).append(key)
            if cell.hidden:
                targets.append((key, row))
            elif math.isfinite(cell.value):
                system.var(key, cell.value, cell.value)
        for keys in dims.values():
            system.add({**{k: 1.0 for k in keys}, total: -1.0}, 0.0, 0.0)
        found = self._solve(system, [k for k, _ in targets], "T5 members by group")
        self.n_suppressed += len(targets)
        for key, row in targets:
            if key in found and _count_leak(*found[key]):
                self._report(t5, row, "N members", found[key], "count", "groups of every dimension add up to the same members")

    # -- regression tables: coefficients are not additive; nothing to bound
    def regressions(self) -> None:
        for table in self.tables.values():
            if _kind(table.name) in _REGRESSION_TABLES or table.name.startswith("main_effect"):
                self.audited.append(table.name)
                self.n_suppressed += int((table.frame == table.marker).to_numpy().sum())

    def run(self) -> None:
        self.regressions()
        self.counts()
        self.magnitudes()
        self.profile()
        self.order_statistics()
        self.heterogeneity()


def audit_publication(out_dir: str | Path) -> AuditResult:
    """Audit a published folder as an attacker would; see the module docstring.

    Parameters
    ----------
    out_dir
        The folder ``cluster-impact run --out`` wrote (with ``tables/``).

    Returns
    -------
    AuditResult
        ``ok`` is False when a suppressed cell (or a published order statistic) can be
        recovered within its protection interval; ``summary()`` lists each leak with
        table, cell and recovered interval.
    """
    tables = read_published_tables(out_dir)
    auditor = _Auditor(tables)
    auditor.run()
    audited = tuple(dict.fromkeys(auditor.audited))
    unknown = tuple(n for n in tables if n not in audited)
    return AuditResult(
        out_dir=Path(out_dir),
        leaks=tuple(auditor.leaks),
        tables=audited,
        not_audited=unknown,
        n_suppressed=auditor.n_suppressed,
        n_relations=auditor.n_relations,
        notes=tuple(auditor.notes),
    )
