"""Gi* against PySAL on the same weights, the documented example, and FDR on data without a
cluster. Pure numpy/scipy: no database."""

from __future__ import annotations

import warnings

import esda
import h3
import libpysal
import numpy as np
import pytest
from scipy import sparse

from layers import gistar, h3bins

warnings.filterwarnings("ignore", category=FutureWarning)


def _with_self(w) -> sparse.csr_matrix:
    m = w.sparse.tocsr().astype(float) + sparse.identity(w.n, format="csr")
    m.data[:] = 1.0
    return m


def test_documented_example_reproduces():
    """REFERENCE.md §4: PySAL's G_Local example, distance band 15, binary, star."""
    points = [(10, 10), (20, 10), (40, 10), (15, 20), (30, 20), (30, 30)]
    y = np.array([2, 3, 3.2, 5, 8, 7])
    w = libpysal.weights.DistanceBand(points, threshold=15, silence_warnings=True)
    z = gistar.gi_star_z(_with_self(w), y)
    assert z == pytest.approx([-1.397, -0.289, 0.651, -0.289, 1.235, 2.024], abs=1e-3)


def _city_cells(res: int = 9, k: int = 6) -> np.ndarray:
    centre = h3.str_to_int(h3.latlng_to_cell(0.507, 101.447, res))
    return h3bins.disk(np.array([centre], dtype=np.uint64), k)


@pytest.mark.parametrize("k", [1, 2])
def test_z_equals_esda_g_local_on_the_same_h3_kring_weights(k):
    cells = _city_cells()
    w_ours = h3bins.kring_weights(cells, k)
    # The same neighbourhoods as a PySAL W (without the cell itself: star=True adds it).
    coo = w_ours.tocoo()
    neighbours = {i: [] for i in range(len(cells))}
    for i, j in zip(coo.row, coo.col, strict=True):
        if i != j:
            neighbours[int(i)].append(int(j))
    w_pysal = libpysal.weights.W(neighbours, silence_warnings=True)
    rng = np.random.default_rng(k)
    y = rng.poisson(3.0, len(cells)).astype(float)
    y[:5] += 40  # a few hot cells
    ref = esda.G_Local(y, w_pysal, transform="B", star=True, permutations=0)
    ours = gistar.gi_star_z(w_ours, y)
    assert np.abs(ours - ref.Zs).max() < 1e-6
    # PySAL's p_norm is one-sided; ours is two-sided.
    assert gistar.two_sided_p(ours) == pytest.approx(2 * np.minimum(ref.p_norm, 1 - ref.p_norm))


def test_kring_weights_are_the_h3_neighbourhood():
    cells = _city_cells(k=3)
    w = h3bins.kring_weights(cells, 1)
    middle = h3.str_to_int(h3.latlng_to_cell(0.507, 101.447, 9))
    centre = int(np.nonzero(cells == middle)[0][0])
    row = set(w[centre].indices.tolist())
    expected = {h3.str_to_int(c) for c in h3.grid_disk(h3.int_to_str(int(cells[centre])), 1)}
    assert {int(cells[j]) for j in row} == expected
    assert w.sum(axis=1).max() == 7  # a hexagon and its six neighbours
    assert (w.diagonal() == 1).all()


def test_bh_cutoff_rejects_what_esda_fdr_rejects():
    """esda.fdr returns the BH threshold k·alpha/n (Bonferroni when nothing passes); ours the
    largest p still rejected: the same cells are significant."""
    rng = np.random.default_rng(3)
    p = np.concatenate([rng.uniform(0, 1, 900), rng.uniform(0, 0.0002, 100)])
    for alpha in (0.01, 0.05, 0.10):
        ours = p <= gistar.bh_cutoff(p, alpha)
        assert ours.sum() >= 50
        assert (ours == (p < esda.fdr(p, alpha))).all()
    null = rng.uniform(0.2, 1, 500)
    assert not (null <= gistar.bh_cutoff(null, 0.05)).any()


def test_classes_are_signed_confidence_levels():
    z = np.array([4.0, 2.2, 1.7, 0.3, -1.7, -2.2, -4.0])
    p = gistar.two_sided_p(z)
    assert gistar.classify(z, p, fdr=False).tolist() == [3, 2, 1, 0, -1, -2, -3]


def _false_hot_share(seed: int, cells: np.ndarray, w) -> float:
    """Share of significant cells (every one is false) on counts with no cluster."""
    rng = np.random.default_rng(seed)
    y = rng.poisson(4.0, len(cells)).astype(float)
    result = gistar.gi_star(w, y, fdr=True)
    return float((result["bin"] != 0).mean()), int((result["bin"] != 0).sum())


def test_fdr_keeps_false_hot_spots_at_or_below_the_rate_without_clusters():
    cells = _city_cells(k=20)  # 1261 cells
    w = h3bins.kring_weights(cells, 1)
    seeds = range(12)
    with_fdr = [_false_hot_share(s, cells, w)[1] for s in seeds]
    # Without correction about 10 % of cells would be "significant" at 90 %.
    raw = []
    for s in seeds:
        y = np.random.default_rng(s).poisson(4.0, len(cells)).astype(float)
        z = gistar.gi_star_z(w, y)
        raw.append(int((gistar.classify(z, gistar.two_sided_p(z), fdr=False) != 0).sum()))
    assert np.mean(raw) > 0.05 * len(cells)
    # Under the global null BH controls the family-wise error at alpha: a map with any false
    # hot spot should come up in at most ~10 % of runs (allowing for spatial correlation).
    runs_with_any = sum(1 for n in with_fdr if n > 0)
    assert runs_with_any <= 3, with_fdr
    assert max(with_fdr) / len(cells) <= 0.10


def test_planted_cluster_is_found_and_fdr_keeps_it():
    cells = _city_cells(k=20)
    w = h3bins.kring_weights(cells, 1)
    rng = np.random.default_rng(9)
    y = rng.poisson(4.0, len(cells)).astype(float)
    centre = int(np.nonzero(cells == h3.str_to_int(h3.latlng_to_cell(0.507, 101.447, 9)))[0][0])
    hood = w[centre].indices
    y[hood] += 12
    result = gistar.gi_star(w, y)
    assert result["bin"][centre] == 3
    false = np.setdiff1d(np.nonzero(result["bin"] > 0)[0], w[hood].indices)
    assert len(false) <= 0.10 * (result["bin"] > 0).sum() + 1
