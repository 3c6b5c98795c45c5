"""GET /api/layers/hotspots/?method=h3|gistar|emerging|kde&res=8&category=&since=&until=

A GeoJSON FeatureCollection of H3 cells with the method's properties, and a ``meta`` member
(method, resolution, counts, and ``explanation`` when the layer is empty for a reason).

``METHODS`` maps a method name to a function ``fn(selection, params) -> payload``: the parsed
common selection (``layers.selection.Selection``: category, since, until, res) and the raw query
parameters, from which a method reads and validates its own options. A new method (e.g. "kde")
is one entry ("kde" is the density of ``layers.kde`` as contour bands). Results are cached
per parameters and data version (``layers.cache``).
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from layers import cache, emerging, gistar, h3bins
from layers.api.common import LAYER_READERS
from layers.selection import CellSelectionQuery, Selection

CLASS_NAMES = {3: "hot_99", 2: "hot_95", 1: "hot_90", 0: "", -1: "cold_90", -2: "cold_95",
               -3: "cold_99"}  # fmt: skip


def _collection(features: list[dict], meta: dict) -> dict:
    return {"type": "FeatureCollection", "features": features, "meta": meta}


def _meta(method: str, sel: Selection, **extra) -> dict:
    return {"method": method, "res": sel.res, **sel.describe(), **extra}


def _cells_layer(method: str, sel: Selection, cells: np.ndarray, props: dict, /, **meta) -> dict:
    """A valid layer: one feature per cell with its properties (``meta`` may name ``cells``)."""
    return _collection(h3bins.features(cells, props), _meta(method, sel, valid=True, **meta))


def _too_few(method: str, sel: Selection, with_data: int, **extra) -> dict:
    """An empty layer that says why: Gi* on fewer than 30 cells with data is not reliable."""
    return _collection(
        [],
        _meta(
            method,
            sel,
            cells_with_data=with_data,
            valid=False,
            explanation=_(
                "Terlalu sedikit sel berisi kejadian (%(n)d; minimal %(min)d) untuk Gi* yang "
                "sahih. Perluas rentang waktu, pilih resolusi lebih kasar, atau hapus filter "
                "kategori."
            )
            % {"n": with_data, "min": gistar.MIN_CELLS_WITH_DATA},
            **extra,
        ),
    )


# --- h3 ----------------------------------------------------------------------------------------


def h3_layer(sel: Selection, params) -> dict:
    """Counts per cell (cells with data), and per category when no category is chosen."""
    from incidents.choices import Category

    counts = h3bins.cell_counts(sel)
    props: dict[str, np.ndarray] = {"count": counts.totals}
    if not sel.category:
        for i, code in enumerate(Category.values):
            props[code] = counts.by_category[:, i]
    return _cells_layer(
        "h3",
        sel,
        counts.cells,
        props,
        incidents=counts.incidents,
        cells_with_data=len(counts.cells),
    )


# --- Gi* ---------------------------------------------------------------------------------------


class GiStarOptions(serializers.Serializer):
    k = serializers.IntegerField(min_value=1, max_value=3, default=1)
    fdr = serializers.BooleanField(default=True)


def _study(sel: Selection, distinct: np.ndarray, counts: np.ndarray, k: int):
    universe = h3bins.study_area(sel.res, distinct, k)
    x = np.zeros(len(universe))
    x[np.searchsorted(universe, distinct)] = counts
    return universe, x, len(distinct)


def gistar_layer(sel: Selection, params) -> dict:
    """Gi* z, two-sided p and class per cell; cells with data or a significant class."""
    opts = GiStarOptions(data=params)
    opts.is_valid(raise_exception=True)
    k, fdr = opts.validated_data["k"], opts.validated_data["fdr"]
    counts = h3bins.cell_counts(sel)
    universe, x, with_data = _study(sel, counts.cells, counts.totals, k)
    extra = {"k": k, "fdr": fdr, "incidents": counts.incidents, "cells": len(universe)}
    if with_data < gistar.MIN_CELLS_WITH_DATA:
        return _too_few("gistar", sel, with_data, **extra)
    result = gistar.gi_star(h3bins.kring_weights(universe, k), x, fdr=fdr)
    keep = (x > 0) | (result["bin"] != 0)
    bins = result["bin"][keep]
    props = {
        "count": x[keep].astype(np.int64),
        "z": np.round(result["z"][keep], 4),
        "p": result["p"][keep],
        "bin": bins.astype(np.int64),
        "class": np.array([CLASS_NAMES[int(b)] for b in bins], dtype=object),
    }
    return _cells_layer(
        "gistar",
        sel,
        universe[keep],
        props,
        cells_with_data=with_data,
        hot=int((result["bin"] > 0).sum()),
        cold=int((result["bin"] < 0).sum()),
        **extra,
    )


# --- emerging hot spots ------------------------------------------------------------------------


class EmergingOptions(serializers.Serializer):
    k = serializers.IntegerField(min_value=1, max_value=3, default=1)
    step_days = serializers.IntegerField(min_value=1, max_value=366, default=30)


MIN_BINS, MAX_BINS = 4, 240


def emerging_layer(sel: Selection, params) -> dict:
    """Emerging hot-spot category per cell over time bins of ``step_days`` that end at
    ``until`` (default: the last incident) and start at ``since`` (default: the first)."""
    opts = EmergingOptions(data=params)
    opts.is_valid(raise_exception=True)
    k, step = opts.validated_data["k"], opts.validated_data["step_days"] * 86400.0
    located, first, last = h3bins.time_extent(sel.incidents())
    if not located:
        return _too_few("emerging", sel, 0, k=k, step_days=opts.validated_data["step_days"])
    # The data's own extent by default (ESRI's), so a quiet last day is not a lost bin.
    end = sel.until.timestamp() if sel.until else last + 1.0
    start = sel.since.timestamp() if sel.since else first
    n_bins = int(np.ceil((end - start) / step)) if end > start else 0
    extra = {"k": k, "step_days": opts.validated_data["step_days"], "bins": n_bins}
    if n_bins < MIN_BINS or n_bins > MAX_BINS:
        raise serializers.ValidationError(
            {
                "step_days": [
                    _("rentang waktu harus terbagi menjadi %(a)d–%(b)d interval, bukan %(n)d")
                    % {"a": MIN_BINS, "b": MAX_BINS, "n": n_bins}
                ]
            }
        )
    cells, age, counts = h3bins.counts_by_age(sel.incidents(), sel.res, end, step)
    occupied = np.unique(cells)
    universe, _x, with_data = _study(sel, occupied, np.ones(len(occupied)), k)
    extra.update(
        incidents=located,
        cells=len(universe),
        first_bin_start=datetime.fromtimestamp(end - n_bins * step, UTC).isoformat(),
    )
    if with_data < gistar.MIN_CELLS_WITH_DATA:
        return _too_few("emerging", sel, with_data, **extra)
    # Bin 0 is the oldest; the last bin ends at ``end``.
    bin_index = np.clip(n_bins - 1 - age, 0, n_bins - 1)
    series = h3bins.count_by(cells, bin_index, n_bins, universe, weights=counts)
    result = emerging.emerging(h3bins.kring_weights(universe, k), series)
    keep = result["category"] != ""
    props = {
        "category": result["category"][keep],
        "side": result["side"][keep],
        "pattern": np.array(
            [
                f"{c}_{s}"
                for c, s in zip(result["category"][keep], result["side"][keep], strict=True)
            ],
            dtype=object,
        ),
        "count": series[keep].sum(axis=1),
        "hot_bins": result["hot_bins"][keep],
        "cold_bins": result["cold_bins"][keep],
        "trend_z": np.round(result["trend_z"][keep], 4),
        "final_z": np.round(result["final_z"][keep], 4),
    }
    tally = {
        f"{c}_{s}": int(((result["category"] == c) & (result["side"] == s)).sum())
        for c in emerging.CATEGORIES
        for s in ("hot", "cold")
    }
    return _cells_layer(
        "emerging",
        sel,
        universe[keep],
        props,
        cells_with_data=with_data,
        patterns={k_: v for k_, v in tally.items() if v},
        **extra,
    )


# --- kernel density -----------------------------------------------------------------------------


def kde_contours(sel: Selection, params) -> dict:
    """Kernel density as filled contour bands (``level`` in incidents per km²); the raster of
    the same selection is ``meta.raster`` (``/api/layers/density/``, PNG with its bounds)."""
    from urllib.parse import urlencode

    from django.urls import reverse

    from layers.api.density import DensityQuery
    from layers.density import density_layer

    opts = DensityQuery(data={k: v for k, v in params.items() if k in ("bandwidth_m", "size")})
    opts.is_valid(raise_exception=True)
    bandwidth, size = opts.validated_data["bandwidth_m"], opts.validated_data["size"]
    layer = density_layer(sel, bandwidth_m=bandwidth, size=size)
    raster_query = {"bandwidth_m": bandwidth, "size": size, "format": "png"}
    raster_query.update({k: params[k] for k in ("since", "until", "category") if params.get(k)})
    extra = {
        "bandwidth_m": bandwidth,
        "size": size,
        "raster": f"{reverse('layers:density')}?{urlencode(raster_query)}",
    }
    if layer is None or layer.n_points == 0:
        return _collection([], _meta("kde", sel, incidents=0, valid=False, **extra))
    return _collection(
        layer.geojson()["features"],
        _meta(
            "kde",
            sel,
            incidents=layer.n_points,
            bounds=layer.bounds,
            max_density=round(layer.max_density, 4),
            unit="incidents/km2",
            valid=True,
            **extra,
        ),
    )


METHODS = {
    "h3": h3_layer,
    "gistar": gistar_layer,
    "emerging": emerging_layer,
    "kde": kde_contours,
}


def hotspot_layer(method: str, selection: Selection, params) -> tuple[dict, bool]:
    """The layer of one method (``METHODS``), from the cache when the data is unchanged;
    (payload, cache hit). The API and the hotspot vector tiles both read it here."""
    options = "&".join(
        f"{key}={params.get(key)}"
        for key in sorted(params)
        if key not in ("method", "category", "since", "until", "res")
    )
    return cache.cached(
        "hotspots",
        f"{method}|{selection.key()}|{options}",
        lambda: METHODS[method](selection, params),
    )


class HotspotQuery(CellSelectionQuery):
    """For the schema: the common selection, the method and the methods' options."""

    method = serializers.ChoiceField(choices=sorted(METHODS), default="h3")
    k = serializers.IntegerField(required=False, help_text="gistar, emerging: k-ring (1–3)")
    fdr = serializers.BooleanField(required=False, help_text="gistar: FDR correction (true)")
    step_days = serializers.IntegerField(required=False, help_text="emerging: bin length")
    bandwidth_m = serializers.FloatField(required=False, help_text="kde: bandwidth in metres")
    size = serializers.IntegerField(required=False, help_text="kde: grid cells per side")


class HotspotsView(APIView):
    """Hotspot layers on H3 cells, cached per parameters and data version."""

    read_roles = LAYER_READERS

    @extend_schema(parameters=[HotspotQuery], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        method = request.query_params.get("method", "h3")
        if method not in METHODS:
            return Response(
                {"method": [_("metode tidak dikenal: %(m)s; pilih salah satu dari %(all)s")
                            % {"m": method[:40], "all": ", ".join(METHODS)}]},
                status=400,
            )  # fmt: skip
        selection = Selection.parse(request.query_params)
        payload, hit = hotspot_layer(method, selection, request.query_params)
        response = Response(payload)
        response["X-Cache"] = "hit" if hit else "miss"
        return response
