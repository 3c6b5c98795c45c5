"""Who may do what: the one place the roles table lives.

Each row is an HTTP route (as the URL conf spells it) and method, or a WebSocket path, with the
roles allowed. ``test_roles.py`` checks every cell against the running code, and fails when an
endpoint exists without a row here (add yours) or a row names an endpoint that is gone.
The README's table is generated from this module and checked against it:

    .venv/bin/python -m tests.security.roles_table   # prints the Markdown table
"""

from __future__ import annotations

ROLES = ("operator", "supervisor", "planner", "wall", "admin", "anonymous")

ANY_ROLE = frozenset({"operator", "supervisor", "planner", "wall", "admin"})
EVERYONE = ANY_ROLE | {"anonymous"}
WRITERS = frozenset({"operator", "supervisor", "admin"})  # accounts.choices.WRITE_ROLES
STAFF = frozenset({"supervisor", "admin"})

# (route, method) -> (roles allowed, what it does)
HTTP: dict[tuple[str, str], tuple[frozenset[str], str]] = {
    # --- pages and plumbing
    ("healthz", "GET"): (EVERYONE, "health of the server and each dependency"),
    ("", "GET"): (ANY_ROLE, "home page"),
    ("login/", "GET"): (EVERYONE, "login form"),
    ("login/", "POST"): (EVERYONE, "log in (throttled)"),
    ("logout/", "POST"): (EVERYONE, "log out"),
    ("i18n/setlang/", "POST"): (EVERYONE, "choose the language"),
    ("admin/", "GET"): (STAFF, "Django admin"),
    # --- API: accounts and schema
    ("api/auth/me/", "GET"): (ANY_ROLE, "who am I"),
    ("api/schema/", "GET"): (ANY_ROLE, "OpenAPI schema"),
    ("api/docs/", "GET"): (ANY_ROLE, "API docs (Swagger UI)"),
    # --- API: geo
    ("api/geo/geocode/", "GET"): (ANY_ROLE, "forward geocoding"),
    ("api/geo/reverse/", "GET"): (ANY_ROLE, "reverse geocoding"),
    ("api/geo/caller-location/", "POST"): (WRITERS, "parse a device location (AML/PIDF-LO)"),
    # --- API: calls
    ("api/calls/", "GET"): (ANY_ROLE, "list calls (numbers masked but for supervisors)"),
    ("api/calls/", "POST"): (WRITERS, "record a call"),
    ("api/calls/<pk>/", "GET"): (ANY_ROLE, "one call"),
    ("api/calls/<pk>/device-location/", "POST"): (WRITERS, "attach a device location"),
    # --- API: incidents
    ("api/incidents/", "GET"): (ANY_ROLE, "list incidents"),
    ("api/incidents/", "POST"): (WRITERS, "create an incident (Idempotency-Key)"),
    ("api/incidents/map/", "GET"): (ANY_ROLE, "incidents map feed"),
    ("api/incidents/<pk>/", "GET"): (ANY_ROLE, "one incident"),
    ("api/incidents/<pk>/", "PATCH"): (WRITERS, "edit an incident"),
    ("api/incidents/<pk>/transition/", "POST"): (WRITERS, "change status"),
    ("api/incidents/<pk>/attach-call/", "POST"): (WRITERS, "attach a call"),
    ("api/incidents/<pk>/assign/", "POST"): (WRITERS, "assign an agency"),
    ("api/incidents/<pk>/notes/", "POST"): (WRITERS, "add a note"),
    ("api/incidents/<pk>/timeline/", "GET"): (ANY_ROLE, "incident timeline"),
    ("api/incidents/<pk>/dispatch/", "POST"): (WRITERS, "dispatch a unit"),
    ("api/incidents/<pk>/nearest-units/", "GET"): (ANY_ROLE, "nearest units to an incident"),
    ("api/incidents/<pk>/cameras/", "GET"): (ANY_ROLE, "cameras that see an incident"),
    # --- API: responders
    ("api/responders/nearest/", "GET"): (ANY_ROLE, "nearest units to a point"),
    ("api/responders/coverage/", "GET"): (ANY_ROLE, "drive-time coverage"),
    ("api/units/positions/", "POST"): (WRITERS, "AVL position batch"),
    ("api/units/<pk>/status/", "POST"): (WRITERS, "a unit's status (on scene, returning, ...)"),
    # --- API: CCTV
    ("api/cctv/cameras/", "GET"): (ANY_ROLE, "list cameras"),
    ("api/cctv/cameras/covering/", "GET"): (ANY_ROLE, "cameras covering a spot"),
    ("api/cctv/cameras/<pk>/", "GET"): (ANY_ROLE, "one camera"),
    ("api/cctv/cameras/<pk>/", "PATCH"): (STAFF, "edit a camera"),
    ("api/cctv/cameras/<pk>/heartbeat/", "POST"): (WRITERS, "camera heartbeat"),
    # --- API: analytic layers (planners and the wall)
    ("api/layers/hotspots/", "GET"): (ANY_ROLE, "hotspot layers: H3, Gi*, emerging, KDE"),
    ("api/layers/density/", "GET"): (ANY_ROLE, "kernel density raster or contours"),
    ("api/layers/kelurahan-stats/", "GET"): (ANY_ROLE, "per-kelurahan statistics"),
    ("api/layers/response-standards/", "GET"): (
        ANY_ROLE - {"wall"},
        "response times against the standards (NFPA 1225/1710)",
    ),
    ("api/layers/export/", "GET"): (ANY_ROLE, "export a layer (GeoPackage, GeoJSON, CSV)"),
    ("api/layers/wall/", "GET"): (ANY_ROLE, "wall snapshot (state and the feed's seq)"),
    ("api/layers/routes/", "GET"): (ANY_ROLE, "drive-time routes of dispatched units"),
    ("tiles/<layer>/<z>/<x>/<y>.mvt", "GET"): (ANY_ROLE, "vector tiles (basemap, incidents)"),
    # --- pages: the wall's shell holds no data (it asks for a wall token); the console does
    ("wall/", "GET"): (EVERYONE, "video wall page (data only with a role)"),
    ("console/", "GET"): (WRITERS, "operator console page"),
}

WEBSOCKET: dict[str, tuple[frozenset[str], str]] = {
    "ws/events/": (ANY_ROLE, "live event feed (?since=SEQ replay)"),
}


def rows() -> list[tuple[str, str, frozenset[str]]]:
    """(endpoint as shown, what, roles) in table order."""
    out = [(f"{method} /{route}", what, roles) for (route, method), (roles, what) in HTTP.items()]
    out += [(f"WS /{route}", what, roles) for route, (roles, what) in WEBSOCKET.items()]
    return out


def markdown() -> str:
    header = "| endpoint | what | " + " | ".join(ROLES) + " |"
    lines = [header, "|---|---|" + "---|" * len(ROLES)]
    for endpoint, what, roles in rows():
        cells = " | ".join("yes" if role in roles else "—" for role in ROLES)
        lines.append(f"| `{endpoint}` | {what} | {cells} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
