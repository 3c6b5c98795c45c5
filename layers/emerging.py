"""Emerging hot spots: Gi* per time bin, a Mann–Kendall trend per cell, and a category per cell.

For each time bin (a step of ``step_days``) Gi* is computed on that bin's counts over the study
area with the same spatial k-ring weights (``layers.gistar``); a bin is a **hot** (or **cold**)
bin of a cell when its Gi* is significant at 90 % after Benjamini–Hochberg over that bin's
cells. The trend is a Mann–Kendall test on the cell's series of Gi* z-scores (significant at
``TREND_ALPHA``). The categories follow ESRI's Emerging Hot Spot Analysis; with ``T`` bins, ``H``
the hot bins, "final" the last bin, a share of bins written as a fraction of ``T``:

=============  ===================================================================================
category       rule (hot; the cold ones mirror them with cold bins)
=============  ===================================================================================
new            the final bin is hot and no earlier bin is
consecutive    the final bins form one uninterrupted run of ≥ 2 hot bins, no hot bin before that
               run, and fewer than 90 % of all bins are hot
intensifying   ≥ 90 % of bins hot, the final bin hot, significant upward trend of z
persistent     ≥ 90 % of bins hot, the final bin hot, no significant trend
diminishing    ≥ 90 % of bins hot, the final bin hot, significant downward trend of z
sporadic       the final bin hot, < 90 % of bins hot, an on-and-off history, never a cold bin
oscillating    the final bin hot, < 90 % of bins hot, at least one earlier cold bin
historical     the final bin not hot, but ≥ 90 % of the bins hot
=============  ===================================================================================

Rules are tried in this order, hot first, then the cold mirror; a cell that matches none has no
pattern (``""``). ESRI's persistent does not name the final bin; here it must be hot so that
persistent and historical do not overlap.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.special import ndtr

from layers.gistar import bh_cutoff, gi_star_z, two_sided_p

BIN_ALPHA = 0.10  # a bin is hot/cold at 90 % confidence (FDR-corrected per bin)
TREND_ALPHA = 0.05
SHARE = 0.90
CATEGORIES = (
    "new",
    "consecutive",
    "intensifying",
    "persistent",
    "diminishing",
    "sporadic",
    "oscillating",
    "historical",
)


def bin_signs(z: np.ndarray, alpha: float = BIN_ALPHA) -> np.ndarray:
    """+1 hot, -1 cold, 0 neither, per (cell, bin); FDR per bin (column)."""
    p = two_sided_p(z)
    out = np.zeros(z.shape, dtype=np.int8)
    for j in range(z.shape[1]):
        cut = bh_cutoff(p[:, j], alpha)
        sig = p[:, j] <= cut if cut > 0 else np.zeros(z.shape[0], bool)
        out[sig, j] = np.sign(z[sig, j]).astype(np.int8)
    return out


def mann_kendall(series: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mann–Kendall trend test per row: (S-based z, two-sided p), with the tie correction."""
    x = np.asarray(series, dtype=np.float64)
    n_rows, t = x.shape
    if t < 3:
        return np.zeros(n_rows), np.ones(n_rows)
    i, j = np.triu_indices(t, k=1)
    s = np.sign(x[:, j] - x[:, i]).sum(axis=1)
    var = np.full(n_rows, t * (t - 1) * (2 * t + 5) / 18.0)
    ordered = np.sort(x, axis=1)
    tied = np.nonzero((ordered[:, 1:] == ordered[:, :-1]).any(axis=1))[0]
    for r in tied:
        _, counts = np.unique(ordered[r], return_counts=True)
        counts = counts[counts > 1]
        var[r] -= (counts * (counts - 1) * (2 * counts + 5)).sum() / 18.0
    sd = np.sqrt(np.maximum(var, 1e-12))
    z = np.where(s > 0, (s - 1) / sd, np.where(s < 0, (s + 1) / sd, 0.0))
    return z, 2.0 * ndtr(-np.abs(z))


def _categorise_one_side(sig: np.ndarray, other: np.ndarray, trend_z, trend_p) -> np.ndarray:
    """Categories for one side (``sig``: bool per (cell, bin) of this side's significant bins;
    ``other``: the opposite side's)."""
    n, t = sig.shape
    out = np.full(n, "", dtype=object)
    count = sig.sum(axis=1)
    share = count / t
    final = sig[:, -1]
    # Length of the final run of significant bins.
    not_sig = ~sig[:, ::-1]
    run = np.where(not_sig.any(axis=1), not_sig.argmax(axis=1), t)
    trend = trend_p < TREND_ALPHA
    up, down = trend & (trend_z > 0), trend & (trend_z < 0)
    rules = [
        ("new", final & (count == 1)),
        ("consecutive", final & (run >= 2) & (count == run) & (share < SHARE)),
        ("intensifying", final & (share >= SHARE) & up),
        ("persistent", final & (share >= SHARE) & ~trend),
        ("diminishing", final & (share >= SHARE) & down),
        ("sporadic", final & (share < SHARE) & ~other.any(axis=1)),
        ("oscillating", final & (share < SHARE) & other.any(axis=1)),
        ("historical", ~final & (share >= SHARE)),
    ]
    for name, mask in rules:
        out[(out == "") & mask] = name
    return out


def categorise(signs: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(category, side, trend z) per cell from the bin signs and the Gi* z series.
    ``side`` is "hot", "cold" or "" ; category is one of CATEGORIES or ""."""
    hot, cold = signs > 0, signs < 0
    mk_z, mk_p = mann_kendall(z)
    hot_cat = _categorise_one_side(hot, cold, mk_z, mk_p)
    cold_cat = _categorise_one_side(cold, hot, -mk_z, mk_p)
    side = np.where(hot_cat != "", "hot", np.where(cold_cat != "", "cold", ""))
    category = np.where(hot_cat != "", hot_cat, cold_cat)
    return category, side.astype(object), mk_z


def emerging(w: sparse.csr_matrix, counts: np.ndarray) -> dict[str, np.ndarray]:
    """``counts``: (cells, bins). Returns per cell: category, side, trend z, hot/cold bin
    counts, and the final bin's Gi* z."""
    z = gi_star_z(w, counts)
    signs = bin_signs(z)
    category, side, trend = categorise(signs, z)
    return {
        "category": category,
        "side": side,
        "trend_z": trend,
        "hot_bins": (signs > 0).sum(axis=1),
        "cold_bins": (signs < 0).sum(axis=1),
        "final_z": z[:, -1] if z.shape[1] else np.zeros(len(z)),
    }
