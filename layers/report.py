"""The planner's hotspot report: one standalone HTML file that opens with no network at all.

It holds an interactive deck.gl map (layer specs built with pydeck; the deck.gl bundle that the
pydeck package ships, ``pydeck/nbextension/static/index.js`` — deck.gl, MIT licence — inlined
into the page), a static PNG map and plots drawn with matplotlib (embedded as data URLs), and
tables per kelurahan. Nothing is loaded from a CDN: pydeck's own HTML template pulls mapbox-gl
and bootstrap from the internet, so the page uses its own template instead.
"""

from __future__ import annotations

import base64
import io
import json
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot

import matplotlib.pyplot as plt
import numpy as np
import pydeck
from django.template.loader import render_to_string
from django.utils import timezone, translation

from incidents.choices import Category
from layers.density import density_layer, service_area_bounds
from layers.exports import stats_frame
from layers.kde import KdeLayer
from layers.selection import WIB, Selection
from layers.standards import response_standards
from layers.stats import hourly_by_category, kelurahan_stats, monthly_counts

CATEGORY_COLOURS = {
    "medis": "#1f77b4",
    "bencana": "#d62728",
    "keamanan": "#2ca02c",
    "lainnya": "#7f7f7f",
}
DEFAULT_VIEW = (101.447, 0.507)  # Pekanbaru, when the city outline is not loaded


@lru_cache(maxsize=1)
def deck_bundle() -> str:
    """The deck.gl UMD bundle shipped inside the pydeck package (defines ``createDeck``)."""
    path = Path(pydeck.__file__).parent / "nbextension" / "static" / "index.js"
    return path.read_text(encoding="utf-8")


def _png_data_url(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _rate_colour(rate: float, top: float) -> list[int]:
    share = 0.0 if top <= 0 else min(1.0, (rate or 0) / top) ** 0.5
    return [int(40 + 200 * share), int(80 + 40 * (1 - share)), int(160 * (1 - share)), 140]


def deck_json(frame, layer: KdeLayer | None) -> str:
    """The interactive map as deck.gl JSON (pydeck): kelurahan shaded by rate per km² with a
    tooltip, and the kernel density raster on top."""
    top = float(frame["rate_per_km2"].max() or 0) if len(frame) else 0.0
    geojson = json.loads(frame.to_json())
    for feature in geojson["features"]:
        feature["properties"]["fill"] = _rate_colour(feature["properties"]["rate_per_km2"], top)
    layers = [
        pydeck.Layer(
            "GeoJsonLayer",
            data=geojson,
            id="kelurahan",
            filled=True,
            stroked=True,
            get_fill_color="properties.fill",
            get_line_color=[255, 255, 255, 200],
            line_width_min_pixels=1,
            pickable=True,
        )
    ]
    if layer is not None and layer.n_points:
        layers.append(
            pydeck.Layer(
                "BitmapLayer",
                id="kde",
                # quoted: pydeck would otherwise read the string as a JS expression
                image=f'"{layer.data_url()}"',
                bounds=layer.bounds,
                opacity=0.85,
            )
        )
    if layer is not None:
        west, south, east, north = layer.bounds
        centre = ((west + east) / 2, (south + north) / 2)
    else:
        centre = DEFAULT_VIEW
    deck = pydeck.Deck(
        layers=layers,
        initial_view_state=pydeck.ViewState(longitude=centre[0], latitude=centre[1], zoom=10.4),
        map_style=None,
        tooltip={"text": "{name} ({kecamatan}): {count}"},
    )
    return deck.to_json()


def static_map(frame, layer: KdeLayer | None) -> str:
    fig, ax = plt.subplots(figsize=(7.5, 7.5))
    if len(frame):
        frame.plot(
            ax=ax,
            column="rate_per_km2",
            cmap="Blues",
            edgecolor="#555555",
            linewidth=0.4,
            legend=True,
            legend_kwds={"label": "kejadian per km²", "shrink": 0.6},
        )
    if layer is not None and layer.n_points:
        from layers.kde import colourise

        west, south, east, north = layer.bounds
        ax.imshow(colourise(layer.grid), extent=(west, east, south, north), zorder=3)
    ax.set_title("Kepadatan kejadian (KDE) dan laju per kelurahan")
    ax.set_xlabel("bujur")
    ax.set_ylabel("lintang")
    ax.set_aspect("equal")
    return _png_data_url(fig)


def hour_plot(hours: dict[str, list[int]]) -> str:
    fig, ax = plt.subplots(figsize=(8, 3.2))
    bottom = np.zeros(24)
    for category, counts in hours.items():
        ax.bar(
            range(24), counts, bottom=bottom, color=CATEGORY_COLOURS.get(category), label=category
        )
        bottom += np.asarray(counts)
    ax.set_xticks(range(0, 24, 2))
    ax.set_xlabel("jam (WIB)")
    ax.set_ylabel("kejadian")
    ax.set_title("Kejadian menurut jam")
    ax.legend(fontsize=8, ncols=4)
    return _png_data_url(fig)


def month_plot(months: list[dict]) -> str:
    labels = sorted({m["month"] for m in months})
    fig, ax = plt.subplots(figsize=(8, 3.2))
    if labels:
        index = {label: i for i, label in enumerate(labels)}
        bottom = np.zeros(len(labels))
        for category in Category.values:
            counts = np.zeros(len(labels))
            for m in months:
                if m["category"] == category:
                    counts[index[m["month"]]] = m["n"]
            ax.bar(labels, counts, bottom=bottom, color=CATEGORY_COLOURS[category], label=category)
            bottom += counts
        ax.legend(fontsize=8, ncols=4)
        ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    ax.set_ylabel("kejadian")
    ax.set_title("Kejadian menurut bulan")
    return _png_data_url(fig)


def build_report(selection: Selection, *, bandwidth_m: float = 300.0) -> str:
    """The report as one HTML string."""
    with translation.override("id"):
        stats = kelurahan_stats(selection)
        standards = response_standards(selection)
        labels = {c: str(label) for c, label in Category.choices}
        frame = stats_frame(stats)
        layer = density_layer(selection, bandwidth_m=bandwidth_m, size=512)
        rows = sorted(stats["kelurahan"], key=lambda r: (-r["count"], r["name"]))
        context = {
            "window": selection,  # the template's name for it
            "since_wib": selection.since.astimezone(WIB) if selection.since else None,
            "until_wib": selection.until.astimezone(WIB) if selection.until else None,
            "generated": timezone.now().astimezone(WIB),
            "stats": stats,
            "standards": standards,
            "goal_pct": round(standards["targets"]["goal_share"] * 100),
            "rows": rows,
            # Category names as the reader's language says them, in Category order.
            "category_names": [labels[c] for c in Category.values],
            "summary_rows": [(labels[c], n) for c, n in stats["city"]["by_category"].items()],
            "standard_rows": [(labels[c], f) for c, f in standards["by_category"].items()],
            "bandwidth_m": bandwidth_m,
            "bounds": layer.bounds if layer else service_area_bounds(),
            "static_map": static_map(frame, layer),
            "hour_plot": hour_plot(hourly_by_category(selection)),
            "month_plot": month_plot(monthly_counts(selection)),
            # </script> cannot occur in the JSON of our own layers, but never let it end the tag
            "deck_json": deck_json(frame, layer).replace("</", "<\\/"),
            "deck_js": deck_bundle(),
        }
        return render_to_string("layers/report.html", context)


def write_report(selection: Selection, out: Path, *, bandwidth_m: float = 300.0) -> int:
    html = build_report(selection, bandwidth_m=bandwidth_m)
    out.write_text(html, encoding="utf-8")
    return len(html)
