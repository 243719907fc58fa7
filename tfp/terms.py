"""Polynomial and production-function terms, as exponent tuples over a list of variables.

A term is a monomial ``prod_j x_j ** e_j``.  Representing terms by their exponents lets the
estimators tell which production-function terms involve a free (or proxy) input, and hence
need a lagged instrument, and lets Wooldridge's first equation drop proxy-polynomial columns
that duplicate a restricted production-function term.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

Exponents = tuple[int, ...]


def monomials(n_vars: int, degree: int) -> list[Exponents]:
    """All monomials of total degree 1..``degree`` in ``n_vars`` variables.

    For degree 2 this is the set R's ``cbind(model.matrix(~ .^2 - 1), x^2)`` produces in
    prodest: every variable, every pairwise product and every square.
    """
    out: list[Exponents] = []
    for d in range(1, degree + 1):
        for combo in itertools.combinations_with_replacement(range(n_vars), d):
            e = [0] * n_vars
            for j in combo:
                e[j] += 1
            out.append(tuple(e))
    return out


def evaluate(x: np.ndarray, exps: Sequence[Exponents]) -> np.ndarray:
    """Columns ``prod_j x[:, j] ** e_j`` for each exponent tuple (n x len(exps))."""
    n = x.shape[0]
    out = np.empty((n, len(exps)))
    for c, e in enumerate(exps):
        col = np.ones(n)
        for j, p in enumerate(e):
            if p:
                col = col * x[:, j] ** p
        out[:, c] = col
    return out


def term_name(e: Exponents, names: Sequence[str]) -> str:
    """Readable name: ``k``, ``l*k``, ``l^2``."""
    parts = []
    for j, p in enumerate(e):
        if p == 1:
            parts.append(names[j])
        elif p > 1:
            parts.append(f"{names[j]}^{p}")
    return "*".join(parts)


def production_terms(n_inputs: int, translog: bool) -> list[Exponents]:
    """Cobb-Douglas (each input) or translog (inputs, squares and cross products) terms."""
    return monomials(n_inputs, 2 if translog else 1)


def elasticities(x: np.ndarray, exps: Sequence[Exponents], coef: np.ndarray) -> np.ndarray:
    """Output elasticity of each input at every observation: d y / d x_j of the polynomial.

    Cobb-Douglas gives the coefficients themselves; translog gives
    ``b_j + 2 b_jj x_j + sum_{k != j} b_jk x_k`` (n x n_inputs).
    """
    n, m = x.shape
    out = np.zeros((n, m))
    for c, e in enumerate(exps):
        for j in range(m):
            p = e[j]
            if p == 0:
                continue
            d = list(e)
            d[j] -= 1
            col = np.full(n, p * coef[c])
            for i, q in enumerate(d):
                if q:
                    col = col * x[:, i] ** q
            out[:, j] += col
    return out
