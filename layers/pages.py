"""The wall (``/wall/``) and the operator console (``/console/``): deck.gl pages served offline.

Layer specs are built here with pydeck (``pydeck.Layer(...)`` → JSON) and turned into deck.gl
layers in the browser by ``static/layers/specs.js``: ``@@type`` names a deck.gl class, ``@@=a.b``
reads a property path of a datum, ``{"@@lookup": path, "table": {...}}`` maps a value to a style.
Nothing in a spec is data or a secret: data comes from the API with the reader's token or session.

How the wall authenticates: a signed-in user of any role gets the page with the session (cookie);
otherwise the page asks once for a ``wall`` token, keeps it in the tab's sessionStorage (never in
a URL) and sends it as ``Authorization: Token`` and as the WebSocket subprotocol ``token.<key>``.
The page itself contains no data. The wall only reads: its endpoints are GETs and the feed.
"""

from __future__ import annotations

import json

import pydeck
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from pydeck.types import String

from accounts.choices import ALL_ROLES, Role
from accounts.permissions import role_required
from layers import tiles

# Pekanbaru: the whole city on a 1080p wall.
VIEW = {"longitude": 101.445, "latitude": 0.51, "zoom": 11.6, "pitch": 0, "bearing": 0}
CONSOLE_VIEW = {**VIEW, "zoom": 12.2}

CATEGORY_COLORS = {
    "medis": [239, 68, 68],
    "bencana": [249, 115, 22],
    "keamanan": [59, 130, 246],
    "lainnya": [168, 85, 247],
}
STATUS_COLORS = {  # outline of an incident
    "received": [255, 255, 255],
    "verified": [250, 204, 21],
    "dispatched": [34, 211, 238],
    "on_scene": [74, 222, 128],
}
UNIT_COLORS = {
    "available": [34, 197, 94],
    "dispatched": [250, 204, 21],
    "on_scene": [56, 189, 248],
    "returning": [148, 163, 184],
    "out_of_service": [82, 82, 91],
}
CAMERA_COLORS = {"online": [45, 212, 191], "offline": [244, 63, 94], "maintenance": [161, 161, 170]}
ROAD_COLORS = {
    "arteri": [214, 158, 46],
    "kolektor": [176, 140, 80],
    "lokal": [110, 116, 130],
    "lingkungan": [78, 84, 98],
    "perumahan": [70, 76, 90],
    "gang": [60, 66, 78],
}
ROAD_WIDTHS = {"arteri": 3, "kolektor": 2.2, "lokal": 1.4}
RIVER_COLOR = [28, 78, 128]
ROUTE_COLOR = [0, 229, 255]


def lookup(path: str, table: dict, default) -> dict:
    """A style looked up by a property's value (resolved in the browser by specs.js)."""
    return {"@@lookup": path, "table": table, "default": default}


# Gi* hot and cold spots on H3 cells (issue #8), drawn above the basemap and below the live
# layers. The page fetches its data from HOTSPOT_SOURCE (a GeoJSON layer: the standalone bundle's
# H3HexagonLayer would fetch h3-js from a CDN) and refreshes it as incidents arrive.
HOTSPOT_SOURCE = "/api/layers/hotspots/?method=gistar&res=8"
HOTSPOT_COLORS = {
    "hot_99": [220, 38, 38, 120],
    "hot_95": [249, 115, 22, 100],
    "hot_90": [250, 204, 21, 80],
    "cold_90": [96, 165, 250, 60],
    "cold_95": [59, 130, 246, 70],
    "cold_99": [37, 99, 235, 80],
}
HOTSPOT_LAYERS: list[pydeck.Layer] = [
    pydeck.Layer(
        "GeoJsonLayer",
        data=None,
        id="hotspots",
        filled=True,
        stroked=False,
        get_fill_color=lookup("properties.class", HOTSPOT_COLORS, [0, 0, 0, 0]),
    )
]


def _alpha(colors: dict, alpha: int) -> dict:
    return {key: [*rgb, alpha] for key, rgb in colors.items()}


def _spec(layer: pydeck.Layer) -> dict:
    return json.loads(layer.to_json())


def tile_url(name: str) -> str:
    if name not in tiles.REGISTRY:
        raise KeyError(name)
    return f"/tiles/{name}/{{z}}/{{x}}/{{y}}.mvt"


def _mvt(layer_id: str, name: str, **props) -> pydeck.Layer:
    spec = tiles.REGISTRY[name]
    return pydeck.Layer(
        "MVTLayer",
        data=tile_url(name),
        id=layer_id,
        min_zoom=spec.min_zoom,
        max_zoom=min(spec.max_zoom, 16),  # beyond 16 the z16 tiles are over-zoomed
        pickable=False,
        **props,
    )


def basemap_layers() -> list[pydeck.Layer]:
    return [
        _mvt(
            "basemap-kelurahan",
            "kelurahan",
            filled=True,
            stroked=True,
            get_fill_color=[17, 24, 39, 255],
            get_line_color=[71, 85, 105, 255],
            line_width_min_pixels=1,
            point_type=String("text"),
            get_text="properties.name",
            get_text_color=[148, 163, 184, 200],
            get_text_size=11,
            text_font_family=String("system-ui, sans-serif"),
        ),
        _mvt(
            "basemap-river",
            "river",
            filled=True,
            stroked=False,
            get_fill_color=[*RIVER_COLOR, 255],
        ),
        _mvt(
            "basemap-roads",
            "roads",
            get_line_color=lookup("properties.road_class", ROAD_COLORS, [60, 66, 78]),
            get_line_width=lookup("properties.road_class", ROAD_WIDTHS, 1),
            line_width_units=String("pixels"),
        ),
    ]


def live_layers() -> list[pydeck.Layer]:
    """Layers whose data the page keeps from the snapshot and the live feed (data: none)."""
    return [
        pydeck.Layer(
            "GeoJsonLayer",
            data=None,
            id="routes",
            stroked=True,
            filled=False,
            get_line_color=[*ROUTE_COLOR, 220],
            line_width_units=String("pixels"),
            get_line_width=4,
        ),
        pydeck.Layer(
            "GeoJsonLayer",
            data=None,
            id="camera-sectors",
            filled=True,
            stroked=True,
            get_fill_color=lookup(
                "properties.status", _alpha(CAMERA_COLORS, 40), [161, 161, 170, 40]
            ),
            get_line_color=lookup("properties.status", _alpha(CAMERA_COLORS, 160), [161, 161, 170]),
            line_width_units=String("pixels"),
            get_line_width=1,
        ),
        pydeck.Layer(
            "ScatterplotLayer",
            data=None,
            id="cameras",
            get_position="position",
            get_fill_color=lookup("status", CAMERA_COLORS, [161, 161, 170]),
            get_radius=4,
            radius_units=String("pixels"),
            pickable=True,
        ),
        pydeck.Layer(
            "LineLayer",
            data=None,
            id="units-heading",
            get_source_position="position",
            get_target_position="tip",
            get_color=lookup("status", UNIT_COLORS, [148, 163, 184]),
            get_width=3,
        ),
        pydeck.Layer(
            "ScatterplotLayer",
            data=None,
            id="units",
            get_position="position",
            get_fill_color=lookup("status", UNIT_COLORS, [148, 163, 184]),
            get_line_color=[15, 23, 42],
            stroked=True,
            line_width_min_pixels=1,
            get_radius=6,
            radius_units=String("pixels"),
            pickable=True,
        ),
        pydeck.Layer(
            "ScatterplotLayer",
            data=None,
            id="incidents-pulse",
            get_position="position",
            get_fill_color=[0, 0, 0, 0],
            get_line_color=lookup("category", CATEGORY_COLORS, [168, 85, 247]),
            stroked=True,
            filled=False,
            line_width_min_pixels=2,
            get_radius=9,
            radius_units=String("pixels"),
        ),
        pydeck.Layer(
            "ScatterplotLayer",
            data=None,
            id="incidents",
            get_position="position",
            get_fill_color=lookup("category", CATEGORY_COLORS, [168, 85, 247]),
            get_line_color=lookup("status", STATUS_COLORS, [255, 255, 255]),
            stroked=True,
            line_width_min_pixels=2,
            get_radius=8,
            radius_units=String("pixels"),
            pickable=True,
        ),
    ]


def wall_layer_specs() -> list[dict]:
    """Bottom to top: basemap, hotspots (hook), routes, cameras, units, incidents."""
    return [_spec(layer) for layer in [*basemap_layers(), *HOTSPOT_LAYERS, *live_layers()]]


def console_layer_specs() -> list[dict]:
    extra = [
        pydeck.Layer(
            "GeoJsonLayer",
            data=None,
            id="device-uncertainty",
            filled=True,
            stroked=True,
            get_fill_color=[56, 189, 248, 50],
            get_line_color=[56, 189, 248, 220],
            line_width_units=String("pixels"),
            get_line_width=2,
        ),
        pydeck.Layer(
            "ScatterplotLayer",
            data=None,
            id="candidates",
            get_position="position",
            get_fill_color=[250, 204, 21],
            get_line_color=[15, 23, 42],
            stroked=True,
            get_radius=7,
            radius_units=String("pixels"),
            pickable=True,
        ),
        pydeck.Layer(
            "ScatterplotLayer",
            data=None,
            id="confirmed",
            get_position="position",
            get_fill_color=[255, 255, 255, 40],
            get_line_color=[255, 255, 255],
            stroked=True,
            line_width_min_pixels=2,
            get_radius="radius",
            radius_min_pixels=6,
        ),
    ]
    return [_spec(layer) for layer in [*basemap_layers(), *live_layers(), *extra]]


def _types() -> list[dict]:
    from incidents.models import IncidentType

    return list(
        IncidentType.objects.filter(active=True)
        .order_by("category", "name")
        .values("code", "name", "category")
    )


def _labels() -> dict:
    from cctv.choices import CameraStatus
    from geo.choices import GazetteerKind
    from incidents.choices import Category, EventKind, Status, UnitStatus

    return {
        "status": {k: str(v) for k, v in Status.choices},
        "category": {k: str(v) for k, v in Category.choices},
        "unit_status": {k: str(v) for k, v in UnitStatus.choices},
        "event_kind": {k: str(v) for k, v in EventKind.choices},
        "camera_status": {k: str(v) for k, v in CameraStatus.choices},
        # the kinds of a geocoder candidate: the gazetteer's, and street intersections
        "candidate_kind": {
            **{k: str(v) for k, v in GazetteerKind.choices},
            "intersection": _("Simpang"),
        },
        "score": _("skor %(score)s"),
        "minutes": _("%(min)s mnt"),
        "advisory_level": {"low": _("rendah"), "medium": _("sedang"), "high": _("tinggi")},
        "no_device_location": _("Tidak ada lokasi perangkat."),
        "feed_live": _("Langsung"),
        "feed_down": _("Umpan terputus sejak %(time)s"),
        "feed_connecting": _("Menghubungkan…"),
        "none": _("Tidak ada"),
        "age": _("%(min)d mnt %(sec)02d dtk"),
        "token_refused": _("Token ditolak. Masukkan token layar dinding yang berlaku."),
        "error": _("Terjadi kesalahan: %(detail)s"),
        "eta": _("ETA %(time)s · %(km)s km"),
        "straight": _("garis lurus (di luar jaringan jalan)"),
        "dispatch": _("Berangkatkan"),
        "dispatched": _("Diberangkatkan: %(unit)s"),
        "no_candidates": _("Alamat tidak ditemukan."),
        "confirmed": _("Lokasi dikonfirmasi: %(label)s"),
        "incident_created": _("Kejadian #%(id)s dibuat."),
        "duplicates": _("Kemungkinan duplikat"),
        "attach": _("Lampirkan ke #%(id)s"),
        "advisory": _("Saran panggilan iseng: %(level)s"),
        "no_cameras": _("Tidak ada kamera yang meliput lokasi ini."),
        "stream": _("Siaran"),
        "covering": _("meliput, %(m)d m"),
        "no_units": _("Belum ada unit yang diberangkatkan."),
        "unit_to": {
            "on_scene": _("Tiba di lokasi"),
            "returning": _("Kembali"),
            "available": _("Siaga"),
            "out_of_service": _("Tidak beroperasi"),
        },
    }


def _config(**extra) -> dict:
    return {
        "tileLayers": sorted(tiles.REGISTRY),
        "types": _types(),
        "labels": _labels(),
        "unitColors": UNIT_COLORS,
        "categoryColors": CATEGORY_COLORS,
        **extra,
    }


@require_GET
def wall(request):
    """The wall shell. No data in it: see the module docstring for how it authenticates."""
    user = request.user
    session = bool(user.is_authenticated and getattr(user, "role", "") in ALL_ROLES)
    config = _config(view=VIEW, layers=wall_layer_specs(), session=session, hotspots=HOTSPOT_SOURCE)
    return render(request, "layers/wall.html", {"config": config})


@require_GET
@role_required(Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)
def console(request):
    from incidents.choices import TRANSITIONS
    from incidents.unit_status import UNIT_TRANSITIONS

    config = _config(
        view=CONSOLE_VIEW,
        layers=console_layer_specs(),
        session=True,
        transitions={str(k): [str(v) for v in vs] for k, vs in TRANSITIONS.items()},
        unitTransitions={str(k): [str(v) for v in vs] for k, vs in UNIT_TRANSITIONS.items()},
    )
    return render(request, "layers/console.html", {"config": config})
