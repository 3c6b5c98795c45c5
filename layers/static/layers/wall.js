/* The video wall: basemap tiles, live incidents / units / cameras / routes, side panel. */
(function () {
  "use strict";
  const S = window.Siaga;
  const config = JSON.parse(document.getElementById("wall-config").textContent);
  const L = config.labels;
  const OPEN = ["received", "verified", "dispatched", "on_scene"];
  const PULSE_MS = 60000; // an incident "pulses" for its first minute on the wall
  const typeNames = Object.fromEntries(config.types.map((t) => [t.code, t.name]));

  const state = {
    incidents: new Map(), // id → {id, position, status, category, type, kelurahan, created_at, seenAt}
    units: new Map(),
    cameras: new Map(), // id → feature (with sector)
    routes: { type: "FeatureCollection", features: [] },
    hotspots: { type: "FeatureCollection", features: [] }, // Gi* cells (hot/cold classes)
  };
  const specs = S.specRegistry(config.layers);
  let deckgl = null;
  let routesTimer = null;
  let hotspotsTimer = null;
  const HOTSPOTS_EVERY_MS = 300000; // and 5 s after new incidents (the server caches the layer)

  // --- state updates ---------------------------------------------------------------------
  function putIncident(p, position, seenAt) {
    if (!OPEN.includes(p.status)) {
      state.incidents.delete(p.id);
      return;
    }
    const old = state.incidents.get(p.id);
    if (old && old.version > (p.version || 0)) return;
    state.incidents.set(p.id, {
      id: p.id,
      position,
      status: p.status,
      category: p.category,
      type: p.type,
      priority: p.priority,
      kelurahan: p.kelurahan,
      created_at: p.created_at,
      version: p.version || 0,
      seenAt: old ? old.seenAt : seenAt,
    });
  }

  function putUnit(u) {
    const old = state.units.get(u.id) || {};
    const position = u.point || old.position;
    if (!position) return;
    const heading = u.heading_deg != null ? u.heading_deg : old.heading_deg;
    state.units.set(u.id, {
      ...old,
      ...u,
      position,
      heading_deg: heading,
      tip: heading != null ? S.ahead(position, heading, 120) : position,
    });
  }

  function putCamera(feature) {
    state.cameras.set(feature.id, feature);
  }

  function loadSnapshot(snap) {
    state.incidents.clear();
    const now = Date.now();
    for (const f of snap.incidents.features) {
      const age = now - Date.parse(f.properties.created_at);
      putIncident({ id: f.id, ...f.properties }, f.geometry && f.geometry.coordinates, now - age);
    }
    state.units.clear();
    for (const f of snap.units.features) putUnit({ ...f.properties, point: f.geometry.coordinates });
    state.cameras.clear();
    for (const f of snap.cameras.features) putCamera(f);
    state.routes = snap.routes;
  }

  function applyEvent(event) {
    const p = event;
    switch (event.kind) {
      case "incident.created":
      case "incident.updated":
      case "incident.status":
      case "incident.dispatched":
      case "incident.assigned":
      case "incident.call_attached": {
        const inc = p.incident;
        if (inc && inc.point) putIncident(inc, inc.point, Date.now());
        else if (inc) state.incidents.delete(inc.id);
        if (event.kind === "incident.dispatched" && p.unit) {
          putUnit({ id: p.unit.id, status: "dispatched", incident: inc && inc.id });
        }
        if (event.kind !== "incident.created") refreshRoutesSoon();
        break;
      }
      case "units.positions":
        for (const u of p.units || []) putUnit(u);
        refreshRoutesSoon();
        break;
      case "unit.status":
        if (p.unit) putUnit(p.unit);
        refreshRoutesSoon();
        break;
      case "camera.status":
      case "camera.updated": {
        const cam = p.camera;
        const old = cam && state.cameras.get(cam.id);
        if (old && event.kind === "camera.status") {
          putCamera({ ...old, properties: { ...old.properties, status: cam.status } });
        } else {
          refreshCameras();
        }
        break;
      }
      default:
        return false;
    }
    return true;
  }

  function refreshRoutesSoon() {
    clearTimeout(routesTimer);
    routesTimer = setTimeout(async () => {
      try {
        state.routes = await S.api("/api/layers/routes/");
        render();
      } catch (e) {
        /* the next event retries */
      }
    }, 800);
  }

  function refreshHotspots(delay) {
    if (!config.hotspots || !specs.has("hotspots")) return;
    clearTimeout(hotspotsTimer);
    hotspotsTimer = setTimeout(async () => {
      try {
        const layer = await S.api(config.hotspots);
        state.hotspots = layer; // an empty layer (too few incidents) draws nothing
        render();
      } catch (e) {
        /* keep the last layer */
      }
      refreshHotspots(HOTSPOTS_EVERY_MS);
    }, delay);
  }

  async function refreshCameras() {
    try {
      const fc = await S.api("/api/cctv/cameras/");
      state.cameras.clear();
      for (const f of fc.features) putCamera(f);
      render();
    } catch (e) {
      /* keep the last known */
    }
  }

  // --- drawing -------------------------------------------------------------------------------
  function layers() {
    const now = Date.now();
    const incidents = [...state.incidents.values()].filter((d) => d.position);
    const fresh = incidents.filter((d) => now - d.seenAt < PULSE_MS);
    const units = [...state.units.values()];
    const cameras = [...state.cameras.values()];
    const pulse = 1 + ((now % 1200) / 1200) * 2.2;
    const data = {
      hotspots: state.hotspots,
      routes: state.routes,
      "camera-sectors": {
        type: "FeatureCollection",
        features: cameras.map((f) => ({ type: "Feature", geometry: f.properties.sector, properties: f.properties })),
      },
      cameras: cameras.map((f) => ({ ...f.properties, position: f.geometry.coordinates })),
      "units-heading": units.filter((u) => u.heading_deg != null),
      units,
      "incidents-pulse": fresh,
      incidents,
    };
    return specs.ids.map((id) => {
      if (id.startsWith("basemap-") || !(id in data)) {
        return specs.build(id, S.mvtOptions());
      }
      const extra = { data: data[id] };
      if (id === "incidents-pulse") {
        extra.radiusScale = pulse;
        extra.opacity = Math.max(0, 1 - (pulse - 1) / 2.2);
      }
      if (id === "incidents") extra.updateTriggers = { getFillColor: now, getLineColor: now };
      return specs.build(id, extra);
    });
  }

  function render() {
    if (deckgl) deckgl.setProps({ layers: layers() });
    renderPanel();
  }

  // --- side panel ----------------------------------------------------------------------------
  function counter(list, labels, counts) {
    list.replaceChildren();
    for (const [key, label] of Object.entries(labels)) {
      const n = counts[key] || 0;
      const li = S.el("li", null, { "data-key": key });
      li.append(S.el("span", label, { class: "label" }), S.el("span", n, { class: "count" }));
      list.append(li);
    }
  }

  function age(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    return S.fmt(L.age, { min: Math.floor(s / 60), sec: s % 60 });
  }

  function renderPanel() {
    const incidents = [...state.incidents.values()];
    const byStatus = {};
    const byCategory = {};
    for (const d of incidents) {
      byStatus[d.status] = (byStatus[d.status] || 0) + 1;
      byCategory[d.category] = (byCategory[d.category] || 0) + 1;
    }
    const openLabels = Object.fromEntries(OPEN.map((k) => [k, L.status[k]]));
    counter(document.getElementById("by-status"), openLabels, byStatus);
    counter(document.getElementById("by-category"), L.category, byCategory);
    document.getElementById("open-total").textContent = String(incidents.length);

    const latest = document.getElementById("latest");
    latest.replaceChildren();
    incidents
      .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id)
      .slice(0, 8)
      .forEach((d) => {
        const li = S.el("li", null, { "data-incident": d.id, class: "cat-" + d.category });
        li.append(
          S.el("span", S.wib.format(new Date(d.created_at)).slice(0, 5), { class: "time" }),
          S.el("span", "#" + d.id + " " + (typeNames[d.type] || d.type), { class: "what" }),
          S.el("span", (d.kelurahan || "—") + " · " + (L.status[d.status] || d.status), { class: "where" })
        );
        latest.append(li);
      });

    const waiting = incidents.filter((d) => d.status === "received" || d.status === "verified");
    const oldest = waiting.sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at))[0];
    const box = document.getElementById("oldest");
    box.replaceChildren();
    if (oldest) {
      box.dataset.incident = oldest.id;
      box.append(
        S.el("div", "#" + oldest.id + " " + (typeNames[oldest.type] || oldest.type), { class: "what" }),
        S.el("div", oldest.kelurahan || "—", { class: "where" }),
        S.el("div", age(Date.now() - Date.parse(oldest.created_at)), { class: "age", id: "oldest-age" })
      );
    } else {
      delete box.dataset.incident;
      box.append(S.el("div", L.none, { class: "none" }));
    }

    const offline = [...state.cameras.values()].filter((f) => f.properties.status !== "online");
    const cams = document.getElementById("cameras-offline");
    cams.replaceChildren();
    document.getElementById("cameras-offline-count").textContent = String(offline.length);
    for (const f of offline.slice(0, 8)) {
      cams.append(S.el("li", f.properties.name + " (" + f.properties.status + ")", { "data-camera": f.properties.code }));
    }
    const units = [...state.units.values()];
    const byUnit = {};
    for (const u of units) byUnit[u.status] = (byUnit[u.status] || 0) + 1;
    counter(document.getElementById("units-by-status"), L.unit_status, byUnit);
  }

  function setFeed(stateInfo) {
    const box = document.getElementById("feed");
    if (stateInfo.up) {
      box.className = "feed up";
      box.textContent = L.feed_live;
    } else {
      box.className = "feed down";
      box.textContent = S.fmt(L.feed_down, { time: S.wib.format(stateInfo.since) + " WIB" });
    }
    document.body.dataset.feed = stateInfo.up ? "up" : "down";
  }

  function tick() {
    const now = new Date();
    document.getElementById("clock").textContent = S.wib.format(now);
    document.getElementById("date").textContent = S.wibDate.format(now);
    renderPanel();
  }

  // --- start -----------------------------------------------------------------------------------
  async function start() {
    let snap;
    try {
      snap = await S.api("/api/layers/wall/");
    } catch (e) {
      if (e.status === 401 || e.status === 403) {
        S.auth.clear();
        askToken(L.token_refused);
        return;
      }
      throw e;
    }
    document.getElementById("token-form").hidden = true;
    loadSnapshot(snap);
    deckgl = new deck.Deck({
      parent: document.getElementById("map"),
      initialViewState: config.view,
      controller: true,
      layers: layers(),
      getTooltip: ({ object }) => object && object.id && object.type ? "#" + object.id + " " + (typeNames[object.type] || object.type) : null,
    });
    window.__wall = { state, deck: deckgl };
    let changed = false;
    const feed = new S.Feed({
      onEvent(event) {
        if (applyEvent(event)) changed = true;
        if (event.kind === "incident.created") refreshHotspots(5000);
        document.body.dataset.seq = String(event.seq);
      },
      onFlush() {
        // Once per frame, however many events it carried.
        if (changed) render();
        changed = false;
      },
      onState: setFeed,
      async onResync() {
        const fresh = await S.api("/api/layers/wall/");
        loadSnapshot(fresh);
        render();
        feed.reconnectFrom(fresh.seq);
      },
    });
    setFeed({ up: false, since: new Date() });
    document.getElementById("feed").textContent = L.feed_connecting;
    feed.start(snap.seq);
    refreshHotspots(0);
    window.__wall.feed = feed;
    render();
    setInterval(tick, 1000);
    // The pulse of new incidents: redraw a few times a second while any is fresh.
    setInterval(() => {
      const now = Date.now();
      for (const d of state.incidents.values()) {
        if (now - d.seenAt < PULSE_MS) {
          deckgl.setProps({ layers: layers() });
          return;
        }
      }
    }, 120);
    document.body.dataset.ready = "1";
  }

  function askToken(message) {
    const form = document.getElementById("token-form");
    form.hidden = false;
    document.getElementById("token-error").textContent = message || "";
    form.onsubmit = (ev) => {
      ev.preventDefault();
      const key = form.elements.token.value.trim();
      if (!key) return;
      S.auth.setToken(key);
      form.elements.token.value = "";
      start().catch(showError);
    };
  }

  function showError(e) {
    document.getElementById("token-error").textContent = S.fmt(L.error, { detail: e.message });
  }

  tick();
  if (config.session || S.auth.token()) start().catch(showError);
  else askToken("");
})();
