"""R's default random stream, so simulated critical values can reproduce R exactly.

R's default generator is the Mersenne Twister (MT19937) with normals by inversion.
``set.seed(s)`` scrambles the seed with the linear congruential map
``s <- 69069 * s + 1`` (mod 2^32) fifty times, then fills the 624 state words with the
next 624 values of the same map (R, ``src/main/RNG.c``, ``RNG_Init``). A uniform is a
32-bit MT output times 2^-32; a normal takes two uniforms, ``u = (floor(2^27 u1) + u2)
/ 2^27``, and returns ``qnorm(u)``. numpy's ``MT19937`` implements the same twister, so
setting its state reproduces R's stream bit for bit (checked against
``set.seed(0); rnorm(10)`` in the tests).

``rmvnorm_r`` is ``mvtnorm::rmvnorm(n, sigma = sigma)`` (default ``method = "eigen"``):
standard normals filled row by row times the symmetric square root of ``sigma``
(eigenvalues clipped at 0). The symmetric root does not depend on the signs or the
order LAPACK gives the eigenvectors, so it is the same matrix in R and numpy up to
rounding.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

_N_STATE = 624
_TWO_POW_M32 = 2.3283064365386963e-10
_BIG = 134217728.0  # 2^27
_I2_32M1 = 2.328306437080797e-10  # 1 / (2^32 - 1), R's fixup constant


def _r_seed_state(seed: int) -> np.ndarray:
    s = int(seed) & 0xFFFFFFFF
    for _ in range(50):
        s = (69069 * s + 1) & 0xFFFFFFFF
    state = np.empty(_N_STATE + 1, dtype=np.uint32)
    for j in range(_N_STATE + 1):
        s = (69069 * s + 1) & 0xFFFFFFFF
        state[j] = s
    # word 0 is R's position counter (reset to 624 by FixupSeeds); the twister is 1..624
    return state[1:]


def rnorm_r(n: int, seed: int = 0) -> np.ndarray:
    """``set.seed(seed); rnorm(n)`` of R (Mersenne-Twister, Inversion)."""
    bits = np.random.MT19937()
    bits.state = {"bit_generator": "MT19937", "state": {"key": _r_seed_state(seed), "pos": _N_STATE}}
    u = bits.random_raw(2 * n).astype(float) * _TWO_POW_M32
    # R's fixup keeps a uniform inside (0, 1); MT output times 2^-32 is never 1
    u = np.where(u <= 0.0, 0.5 * _I2_32M1, u)
    hi, lo = u[0::2], u[1::2]
    return ndtri((np.floor(_BIG * hi) + lo) / _BIG)


def symmetric_sqrt(sigma: np.ndarray) -> np.ndarray:
    """Symmetric square root ``V diag(sqrt(max(lambda, 0))) V'`` of a covariance matrix."""
    values, vectors = np.linalg.eigh(sigma)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def rmvnorm_r(n: int, sigma: np.ndarray, seed: int = 0) -> np.ndarray:
    """``set.seed(seed); mvtnorm::rmvnorm(n, sigma = sigma)``: an ``(n, k)`` array."""
    k = sigma.shape[0]
    z = rnorm_r(n * k, seed).reshape(n, k)
    return z @ symmetric_sqrt(sigma)
