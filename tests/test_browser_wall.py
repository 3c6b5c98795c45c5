"""The wall and the console in a real headless Chromium (WebGL through SwiftShader), against the
real server: tiles drawn, nothing loaded from outside, live updates, the console flow end to end.

One test function on purpose: the pages need the whole Pekanbaru reference data, and a
transactional test empties the tables afterwards, so it is loaded once and every step runs on it.
Screenshots go to var/screenshots/ (git-ignored).
"""

from __future__ import annotations

import base64
import json
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import connections, transaction
from django.utils import timezone
from playwright.sync_api import sync_playwright

from cctv.choices import CameraStatus
from cctv.models import Camera
from cctv.services import mark_silent_offline
from incidents import live
from tests.conftest import ROOT
from tests.factories import make_token, make_user

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.django_db(transaction=True)]

SHOTS = ROOT / "var" / "screenshots"
# Headless Chromium has no GPU here: WebGL2 through SwiftShader (software), allowed explicitly.
WEBGL_ARGS = [
    "--no-sandbox",
    "--use-gl=angle",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--ignore-gpu-blocklist",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 720}
# Colours of the layers (pages.py): what must appear in the wall's pixels.
COLOURS = {
    "arterial road": (214, 158, 46),
    "kelurahan fill": (17, 24, 39),
    "available unit": (34, 197, 94),
    "camera online": (45, 212, 191),
}
MEDIS = (239, 68, 68)
ADDRESS = "simpang Jl. Sudirman dan Jl. Tengku Bey"
HOSTILE = '<img src=x onerror="window.__pwned=1">Kebakaran & asap'


def post(base: str, path: str, token: str, body: dict) -> dict:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def map_only(page, path: Path) -> bytes:
    """A screenshot of the map (the WebGL canvas) only, written to ``path`` too."""
    box = page.evaluate(
        "() => { const r = document.getElementById('map').getBoundingClientRect();"
        " return {x: r.x, y: r.y, width: r.width, height: r.height}; }"
    )
    return page.screenshot(path=str(path), clip=box, animations="allow")


def count_colour(page, png: bytes, rgb: tuple[int, int, int], tolerance: int = 10) -> int:
    """Pixels of the screenshot within ``tolerance`` of the colour, counted in the page (a 2D
    canvas decodes the PNG far faster than Python could)."""
    return page.evaluate(
        """async ([b64, rgb, tol]) => {
            const img = new Image();
            img.src = "data:image/png;base64," + b64;
            await img.decode();
            const c = document.createElement("canvas");
            c.width = img.width; c.height = img.height;
            const ctx = c.getContext("2d");
            ctx.drawImage(img, 0, 0);
            const d = ctx.getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 0; i < d.length; i += 4) {
                if (Math.abs(d[i] - rgb[0]) <= tol && Math.abs(d[i + 1] - rgb[1]) <= tol
                    && Math.abs(d[i + 2] - rgb[2]) <= tol) n++;
            }
            return n;
        }""",
        [base64.b64encode(png).decode(), list(rgb), tolerance],
    )


def test_wall_and_console_live_in_a_real_browser(live_server_proc):
    started = time.monotonic()
    # An earlier transactional test's flush emptied the reference data: load it again.
    call_command("load_all", verbosity=0)
    loaded_s = time.monotonic() - started
    wall_token = make_token("wall")
    operator_token = make_token("operator")
    make_user("operator", username="op-konsol", password="a-long-pass-123")
    base = live_server_proc.base
    origin = urlsplit(base).netloc
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        # Two browsers (two GPU processes): a second WebGL page in the same headless Chromium
        # never got its SwiftShader context here while the first kept drawing.
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=WEBGL_ARGS)
        other = pw.chromium.launch(executable_path="/usr/bin/chromium", args=WEBGL_ARGS)
        try:
            run_pages(browser, other, base, origin, wall_token, operator_token)
        finally:
            other.close()
            browser.close()
    print(
        f"reference data loaded in {loaded_s:.1f} s; whole test {time.monotonic() - started:.1f} s"
    )


def off_loop(fn):
    """``fn()`` with the ORM, in a thread: Playwright's sync API runs an event loop in this one,
    where Django refuses database calls."""

    def run():
        try:
            return fn()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result(timeout=60)


def all_cameras_silent() -> tuple[list[str], int, int]:
    """Every camera misses its heartbeat at once: one transaction, so their events are published
    back to back when it commits. (codes marked, cameras offline, cameras)"""
    with transaction.atomic():
        marked = mark_silent_offline(timedelta(0), now=timezone.now() + timedelta(days=1))
    offline = Camera.objects.exclude(status=CameraStatus.ONLINE).count()
    return marked, offline, Camera.objects.count()


def wait_for_basemap(page, handle: str) -> None:
    """Until the three basemap tile layers have loaded the tiles in view."""
    page.wait_for_function(
        f"""() => {{
            const layers = window.{handle}.deck.layerManager.getLayers()
                .filter(l => l.id.startsWith("basemap-") && l.id.split("-").length === 2);
            return layers.length === 3 && layers.every(l => l.isLoaded);
        }}""",
        timeout=30000,
    )
    page.wait_for_timeout(300)


def run_pages(browser, other, base, origin, wall_token, operator_token):
    wall = browser.new_page(viewport=VIEWPORT, locale="id-ID")
    wall_hosts: set[str] = set()
    errors: list[str] = []
    wall.on("request", lambda r: wall_hosts.add(urlsplit(r.url).netloc or r.url[:20]))
    wall.on("pageerror", lambda e: errors.append(str(e)))
    frames: list[str] = []  # what the wall's WebSocket received
    wall.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(f)))

    # --- the wall asks for its token once, then draws ----------------------------------------
    wall.goto(f"{base}/wall/")
    assert wall.locator("#token-form").is_visible()
    wall.fill("#token", wall_token)
    wall.click("#token-form button[type=submit]")
    wall.wait_for_selector("body[data-ready='1']", state="attached", timeout=30000)
    wall.wait_for_selector("#feed.up", timeout=5000)
    assert wall.inner_text("#feed") == "Langsung"
    assert wall.evaluate("() => sessionStorage.getItem('siaga112.token')") == wall_token
    wait_for_basemap(wall, "__wall")
    # The Gi* hotspot layer was fetched from this server (empty here: too few incidents).
    wall.wait_for_function(
        "() => (window.__wall.state.hotspots.meta || {}).method === 'gistar'", timeout=10000
    )
    shot = map_only(wall, SHOTS / "wall.png")
    for name, rgb in COLOURS.items():
        assert count_colour(wall, shot, rgb) >= 20, f"no {name} pixels drawn"
    assert wall.evaluate("() => document.querySelector('#map canvas').getContext('webgl2')")
    assert int(wall.inner_text("#units-by-status li[data-key=available] .count")) > 10
    assert wall.inner_text("#clock").count(".") == 2  # HH.MM.SS (id-ID), WIB

    # --- an incident created through the API is on the wall within a second -----------------
    t0 = time.monotonic()
    created = post(
        base,
        "/api/incidents/",
        operator_token,
        {"type": "kesehatan", "lat": 0.5071, "lon": 101.4478, "description": HOSTILE},
    )
    posted_s = time.monotonic() - t0
    wall.wait_for_selector(f"#latest li[data-incident='{created['id']}']", timeout=10000)
    seen_s = time.monotonic() - t0
    print(
        f"incident #{created['id']} on the wall {seen_s * 1000:.0f} ms after the POST began"
        f" (the POST itself {posted_s * 1000:.0f} ms)"
    )
    assert seen_s < 1.0
    assert wall.inner_text("#by-status li[data-key=received] .count") == "1"
    assert wall.inner_text("#oldest .what").startswith(f"#{created['id']}")
    wall.wait_for_timeout(300)
    assert count_colour(wall, map_only(wall, SHOTS / "wall-incident.png"), MEDIS, 12) >= 20

    # --- the console: locate, create, nearest units, cameras, dispatch --------------------------
    console = other.new_page(viewport=VIEWPORT, locale="id-ID")
    console_hosts: set[str] = set()
    console.on("request", lambda r: console_hosts.add(urlsplit(r.url).netloc or r.url[:20]))
    console.on("pageerror", lambda e: errors.append(str(e)))
    console.goto(f"{base}/console/")
    console.fill("input[name=username]", "op-konsol")
    console.fill("input[name=password]", "a-long-pass-123")
    with console.expect_navigation():
        console.click("button[type=submit]")
    assert urlsplit(console.url).path == "/console/"
    console.wait_for_selector("body[data-ready='1']", state="attached", timeout=30000)
    console.fill("#address", ADDRESS)
    console.click("#search")
    console.wait_for_selector("#candidates li", timeout=5000)
    first = console.locator("#candidates li").first
    assert "Sudirman" in first.inner_text()
    first.click()
    assert "Sudirman" in console.inner_text("#confirmed")
    console.select_option("#type", "kebakaran")
    console.fill("#description", HOSTILE)
    console.click("#create")
    console.wait_for_selector("#incident:not([hidden])", timeout=5000)
    console.wait_for_selector("#units [data-dispatch]", timeout=5000)
    incident_id = int(console.inner_text("#incident-title").split()[0].lstrip("#"))
    assert console.inner_text("#incident-description") == HOSTILE  # shown as text, not HTML
    advisory = console.inner_text("#advisory")
    assert "Saran panggilan iseng" in advisory and "[object" not in advisory
    assert "ETA" in console.inner_text("#units li:first-child .eta")
    console.wait_for_selector("#cameras li[data-camera]", timeout=5000)
    assert console.locator("#cameras li[data-camera] a").count() >= 1
    console.wait_for_timeout(300)
    console.screenshot(path=str(SHOTS / "console.png"))

    unit_code = console.inner_text("#units li:first-child").split(" — ")[0]
    console.click("#units [data-dispatch] >> nth=0")
    console.wait_for_selector("#incident-title[data-status='dispatched']", timeout=5000)
    console.fill("#note", "Unit menuju lokasi")
    console.click("#add-note")
    console.wait_for_selector("#timeline li:has-text('Unit menuju lokasi')", timeout=5000)

    # --- and the wall shows it ------------------------------------------------------------------
    wall.wait_for_selector(
        f"#latest li[data-incident='{incident_id}'] .where:has-text('Diberangkatkan')",
        timeout=3000,
    )
    wall.wait_for_function(
        "id => window.__wall.state.routes.features.some(f => f.properties.incident === id)",
        arg=incident_id,
        timeout=5000,
    )
    assert wall.inner_text("#by-status li[data-key=dispatched] .count") == "1"
    assert int(wall.inner_text("#units-by-status li[data-key=dispatched] .count")) == 1
    wall.wait_for_timeout(300)
    wall.screenshot(path=str(SHOTS / "wall-dispatched.png"))
    print(f"dispatched {unit_code} to #{incident_id}; screenshots in {SHOTS}")

    # --- the crew arrives: the operator reports it, the incident and the wall follow -------------
    assert console.inner_text("#assigned li[data-status='dispatched']").startswith(unit_code)
    console.click("#assigned [data-unit-to='on_scene']")
    console.wait_for_selector("#incident-title[data-status='on_scene']", timeout=5000)
    assert console.locator("#assigned li[data-status='on_scene'] [data-unit-to]").count() == 3
    wall.wait_for_selector("#units-by-status li[data-key=on_scene] .count", timeout=3000)
    assert wall.inner_text("#units-by-status li[data-key=on_scene] .count") == "1"
    wall.wait_for_selector(
        f"#latest li[data-incident='{incident_id}'] .where:has-text('Di lokasi')", timeout=3000
    )
    # Another operator takes the crew's next report: the console on screen follows by itself.
    unit_id = console.get_attribute("#assigned li[data-status='on_scene']", "data-assigned")
    post(base, f"/api/units/{unit_id}/status/", operator_token, {"status": "returning"})
    console.wait_for_selector(f"#assigned li[data-assigned='{unit_id}'][data-status='returning']")
    # --- a burst (every camera falls silent at once) arrives batched, whole and in order ------
    assert wall.evaluate("() => window.__wall.feed.ws.protocol") == "siaga112.batch"
    marked, offline, cameras = off_loop(all_cameras_silent)
    assert len(marked) >= 20 and offline == cameras
    wall.wait_for_function(
        "n => document.getElementById('cameras-offline-count').textContent === String(n)",
        arg=offline,
        timeout=5000,
    )
    assert wall.evaluate("() => document.body.dataset.seq") == str(off_loop(live.latest_seq))
    messages = [json.loads(frame) for frame in frames]
    assert {m["type"] for m in messages} == {"hello", "events"}, messages
    sizes = [len(m["events"]) for m in messages if m["type"] == "events"]
    print(f"the wall got {sum(sizes)} events in {len(sizes)} frames, at most {max(sizes)} in one")

    assert not wall.evaluate("() => window.__pwned") and not console.evaluate(
        "() => window.__pwned"
    )
    assert wall_hosts == {origin}, wall_hosts
    assert console_hosts == {origin}, console_hosts
    assert not errors, errors
