"""Emerging hot spots: the rule table, the Mann–Kendall test, and a space-time cube with a
cluster that appears at the end. Pure numpy: no database."""

from __future__ import annotations

import h3
import numpy as np
import pytest
from scipy import stats

from layers import emerging, h3bins

T = 20


def _one(hot_bins=(), cold_bins=(), z=None) -> tuple[str, str]:
    signs = np.zeros((1, T), dtype=np.int8)
    signs[0, list(hot_bins)] = 1
    signs[0, list(cold_bins)] = -1
    series = np.zeros((1, T)) if z is None else np.asarray(z, dtype=float)[None, :]
    category, side, _ = emerging.categorise(signs, series)
    return category[0], side[0]


FLAT = np.random.default_rng(0).normal(3, 0.05, T)  # hot throughout, no trend
RISING = np.linspace(2, 6, T)
FALLING = np.linspace(6, 2, T)


@pytest.mark.parametrize(
    ("hot", "cold", "z", "expected"),
    [
        ([T - 1], [], None, ("new", "hot")),
        ([T - 3, T - 2, T - 1], [], None, ("consecutive", "hot")),
        (range(T), [], RISING, ("intensifying", "hot")),
        (range(T), [], FLAT, ("persistent", "hot")),
        (range(T), [], FALLING, ("diminishing", "hot")),
        ([2, 7, 11, T - 1], [], None, ("sporadic", "hot")),
        ([8, T - 1], [3], None, ("oscillating", "hot")),
        (range(T - 1), [], FLAT[:T], ("historical", "hot")),
        ([], [T - 1], None, ("new", "cold")),
        ([3], [T - 1], None, ("new", "cold")),  # new is tried before oscillating (ESRI order)
        ([3], [5, T - 1], None, ("oscillating", "cold")),
        ([], [], None, ("", "")),
        ([4, 5, 6], [], None, ("", "")),  # hot once upon a time, not at the end, under 90 %
    ],
)
def test_rule_table(hot, cold, z, expected):
    assert _one(hot, cold, z) == expected


def test_consecutive_needs_no_earlier_hot_bin():
    # A final run of three after an earlier hot bin is sporadic, not consecutive.
    assert _one([2, T - 3, T - 2, T - 1]) == ("sporadic", "hot")


def test_mann_kendall_matches_kendall_tau_without_ties():
    rng = np.random.default_rng(1)
    x = np.cumsum(rng.normal(0.3, 1, (5, 15)), axis=1)
    z, _ = emerging.mann_kendall(x)
    sd = np.sqrt(15 * 14 * 35 / 18)
    for row, zi in zip(x, z, strict=True):
        s = round(stats.kendalltau(np.arange(15), row).statistic * 15 * 14 / 2)
        assert zi == pytest.approx((s - np.sign(s)) / sd)
    # S = sum of signs; for a strictly increasing series S = n(n-1)/2.
    z_up, p_up = emerging.mann_kendall(np.arange(10.0)[None, :])
    s = 45
    var = 10 * 9 * 25 / 18
    assert z_up[0] == pytest.approx((s - 1) / np.sqrt(var))
    assert p_up[0] < 0.001
    _, p_flat = emerging.mann_kendall(np.ones((1, 10)))
    assert p_flat[0] == 1.0


def test_a_cluster_that_appears_at_the_end_is_new_or_consecutive_and_an_old_one_persistent():
    centre = h3.str_to_int(h3.latlng_to_cell(0.507, 101.447, 9))
    cells = h3bins.disk(np.array([centre], dtype=np.uint64), 15)
    w = h3bins.kring_weights(cells, 1)
    rng = np.random.default_rng(4)
    counts = rng.poisson(2.0, (len(cells), T)).astype(float)
    new_idx = int(np.nonzero(cells == centre)[0][0])
    counts[w[new_idx].indices, -2:] += 15  # the last two bins only
    old_cell = h3.str_to_int(h3.grid_ring(h3.int_to_str(centre), 8)[0])
    old_idx = int(np.nonzero(cells == old_cell)[0][0])
    counts[w[old_idx].indices, :] += 15  # every bin
    result = emerging.emerging(w, counts)
    assert (result["category"][new_idx], result["side"][new_idx]) == ("consecutive", "hot")
    assert (result["category"][old_idx], result["side"][old_idx]) == ("persistent", "hot")
    # Far from both, with no cluster, almost no cell gets a pattern.
    patterned = result["category"] != ""
    near = set(w[w[new_idx].indices].indices) | set(w[w[old_idx].indices].indices)
    stray = [i for i in np.nonzero(patterned)[0] if i not in near]
    assert len(stray) <= 0.05 * len(cells)
