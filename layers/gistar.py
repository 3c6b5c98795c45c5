"""Getis-Ord Gi* on H3 cells: z-scores, p-values, Benjamini–Hochberg FDR, hot/cold classes.

Gi* is the local statistic with the cell itself in its neighbourhood (PySAL
``esda.G_Local(y, w, star=True, transform='B')``). With binary weights ``w_ij`` (1 for the cell
and its k-ring, 0 elsewhere), ``n`` cells, mean ``x̄`` and ``s = sqrt(mean(x²) - x̄²)``:

    z_i = (Σ_j w_ij x_j - x̄ W_i) / (s · sqrt((n S1_i - W_i²) / (n - 1)))

with ``W_i = Σ_j w_ij`` and ``S1_i = Σ_j w_ij²``. One sparse matrix-vector product gives every
cell at once; the weights are built once per resolution and study area and kept.

p-values are two-sided (a hot spot and a cold spot are both departures), as on the usual hot-spot
maps; PySAL's ``p_norm`` is one-sided, so it is half of ours. Classes follow ArcGIS's ``Gi_Bin``:
±3 / ±2 / ±1 for 99 / 95 / 90 % confidence, each level's cut-off corrected for the false
discovery rate (Benjamini–Hochberg) over all cells of the study area.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.special import ndtr

LEVELS = ((3, 0.01), (2, 0.05), (1, 0.10))  # Gi_Bin magnitude, alpha
MIN_CELLS_WITH_DATA = 30  # below this the statistic is unreliable (ArcGIS's rule of thumb)


def binary_weights(neighbours: list[np.ndarray], n: int) -> sparse.csr_matrix:
    """Row i has a 1 at each index of ``neighbours[i]`` (which should include i for Gi*)."""
    lengths = np.fromiter((len(a) for a in neighbours), dtype=np.int64, count=n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    indices = np.concatenate(neighbours).astype(np.int32) if n else np.zeros(0, np.int32)
    data = np.ones(len(indices), dtype=np.float64)
    w = sparse.csr_matrix((data, indices, indptr), shape=(n, n))
    w.sum_duplicates()
    w.data[:] = 1.0
    return w


def gi_star_z(w: sparse.csr_matrix, x: np.ndarray) -> np.ndarray:
    """Gi* z-scores of ``x`` (shape (n,) or (n, t): one column per time bin) on weights ``w``
    that include each cell itself. A column with no variance gives z = 0 everywhere."""
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    wi = np.asarray(w.sum(axis=1)).ravel()
    s1 = np.asarray(w.multiply(w).sum(axis=1)).ravel()
    lag = w @ x
    mean = x.mean(axis=0)
    s = np.sqrt(np.maximum((x * x).mean(axis=0) - mean * mean, 0.0))
    if x.ndim == 2:
        wi, s1 = wi[:, None], s1[:, None]
    spread = np.sqrt(np.maximum((n * s1 - wi * wi) / (n - 1), 0.0))
    den = s * spread
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (lag - mean * wi) / den
    return np.where(np.isfinite(z), z, 0.0)


def two_sided_p(z: np.ndarray) -> np.ndarray:
    return 2.0 * ndtr(-np.abs(z))


def bh_cutoff(p: np.ndarray, alpha: float) -> float:
    """Benjamini–Hochberg: the largest p-value still significant at FDR ``alpha`` (0 if none).
    Same as ``esda.fdr(p, alpha)`` where that finds a cut-off."""
    p = np.sort(np.asarray(p, dtype=np.float64).ravel())
    m = len(p)
    if not m:
        return 0.0
    below = p <= alpha * np.arange(1, m + 1) / m
    if not below.any():
        return 0.0
    return float(p[np.nonzero(below)[0][-1]])


def classify(z: np.ndarray, p: np.ndarray, fdr: bool = True) -> np.ndarray:
    """Gi_Bin per cell: +3/+2/+1 hot at 99/95/90 %, the negatives cold, 0 not significant.
    With ``fdr`` each level's cut-off is the Benjamini–Hochberg one at that level's alpha."""
    out = np.zeros(len(z), dtype=np.int8)
    for level, alpha in reversed(LEVELS):  # 90 % first, stronger levels overwrite
        cutoff = bh_cutoff(p, alpha) if fdr else alpha
        significant = (p <= cutoff) & (p < alpha)
        out[significant] = level
    return (out * np.sign(z)).astype(np.int8)


def gi_star(w: sparse.csr_matrix, x: np.ndarray, fdr: bool = True) -> dict[str, np.ndarray]:
    """z, two-sided p and Gi_Bin class of every cell."""
    z = gi_star_z(w, x)
    p = two_sided_p(z)
    return {"z": z, "p": p, "bin": classify(z, p, fdr=fdr)}
