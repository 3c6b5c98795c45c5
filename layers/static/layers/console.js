/* The operator console: locate the caller, create the incident, dispatch, follow up. */
(function () {
  "use strict";
  const S = window.Siaga;
  const config = JSON.parse(document.getElementById("console-config").textContent);
  const L = config.labels;
  const $ = (id) => document.getElementById(id);
  const specs = S.specRegistry(config.layers);
  const typeNames = Object.fromEntries(config.types.map((t) => [t.code, t.name]));
  const OPEN = ["received", "verified", "dispatched", "on_scene"];

  const state = {
    candidates: [],
    confirmed: null, // {position, radius, label}
    device: null, // GeoJSON polygon feature of the device uncertainty
    call: null,
    incident: null, // the incident being handled (GeoJSON feature)
    routes: { type: "FeatureCollection", features: [] },
    incidents: new Map(),
    units: new Map(),
    cameras: [],
  };
  let deckgl = null;

  function say(id, text, cls) {
    const node = $(id);
    node.textContent = text || "";
    node.className = "msg" + (cls ? " " + cls : "");
  }
  function errorText(e) {
    if (e && e.body && typeof e.body === "object") {
      return Object.entries(e.body)
        .map(([k, v]) => k + ": " + (Array.isArray(v) ? v.join(" ") : typeof v === "object" ? JSON.stringify(v) : v))
        .join("; ");
    }
    return e && e.message ? e.message : String(e);
  }
  function fail(id) {
    return (e) => say(id, S.fmt(L.error, { detail: errorText(e) }), "warn");
  }

  // --- map -----------------------------------------------------------------------------------
  function layers() {
    const units = [...state.units.values()];
    const data = {
      routes: state.routes,
      "camera-sectors": {
        type: "FeatureCollection",
        features: state.cameras.map((f) => ({ type: "Feature", geometry: f.properties.sector, properties: f.properties })),
      },
      cameras: state.cameras.map((f) => ({ ...f.properties, position: f.geometry.coordinates })),
      "units-heading": units.filter((u) => u.heading_deg != null),
      units,
      "incidents-pulse": [],
      incidents: [...state.incidents.values()],
      "device-uncertainty": state.device ? { type: "FeatureCollection", features: [state.device] } : { type: "FeatureCollection", features: [] },
      candidates: state.candidates,
      confirmed: state.confirmed ? [state.confirmed] : [],
    };
    return specs.ids.map((id) => {
      if (!(id in data)) return specs.build(id, S.mvtOptions());
      const extra = { data: data[id] };
      if (id === "candidates") extra.onClick = ({ index }) => pick(index);
      return specs.build(id, extra);
    });
  }
  function render() {
    if (deckgl) deckgl.setProps({ layers: layers() });
  }

  // --- locate -----------------------------------------------------------------------------------
  async function search(ev) {
    ev.preventDefault();
    const q = $("address").value.trim();
    if (!q) return;
    say("locate-msg", "");
    try {
      const fc = await S.api("/api/geo/geocode/?limit=5&q=" + encodeURIComponent(q));
      state.candidates = fc.features.map((f) => ({ ...f.properties, position: f.geometry.coordinates }));
    } catch (e) {
      fail("locate-msg")(e);
      state.candidates = [];
    }
    const list = $("candidates");
    list.replaceChildren();
    state.candidates.forEach((c, i) => {
      const li = S.el("li", c.label, { "data-index": i, tabindex: "0" });
      const area = c.kelurahan ? c.kelurahan.name : "";
      const kind = L.candidate_kind[c.kind] || c.kind;
      const score = S.fmt(L.score, { score: c.score.toFixed(2) });
      li.append(S.el("span", [kind, area, "±" + Math.round(c.uncertainty_m) + " m", score].filter(Boolean).join(" · "), { class: "meta" }));
      li.onclick = () => pick(i);
      list.append(li);
    });
    if (!state.candidates.length) say("locate-msg", L.no_candidates, "warn");
    else flyTo(state.candidates[0].position, 14);
    render();
  }

  function flyTo(position, zoom) {
    if (!deckgl) return;
    deckgl.setProps({
      initialViewState: { ...config.view, longitude: position[0], latitude: position[1], zoom, transitionDuration: 300 },
    });
  }

  function confirm(position, radius, label) {
    state.confirmed = { position, radius: Math.max(radius || 0, 10), label };
    say("locate-msg", S.fmt(L.confirmed, { label }));
    $("confirmed").textContent = label + " (" + position[1].toFixed(5) + ", " + position[0].toFixed(5) + ")";
    $("create").disabled = false;
    render();
  }

  function pick(index) {
    const c = state.candidates[index];
    if (!c) return;
    document.querySelectorAll("#candidates li").forEach((li) => li.classList.toggle("selected", li.dataset.index === String(index)));
    confirm(c.position, c.uncertainty_m, c.label);
  }

  async function clickMap(info) {
    if (!info.coordinate || info.object) return;
    const [lon, lat] = info.coordinate;
    let label = lat.toFixed(5) + ", " + lon.toFixed(5);
    try {
      const f = await S.api("/api/geo/reverse/?lat=" + lat + "&lon=" + lon);
      const p = f.properties;
      label = [p.street && p.street.name, p.kelurahan && p.kelurahan.name].filter(Boolean).join(", ") || label;
    } catch (e) {
      /* keep the coordinates as the label */
    }
    confirm([lon, lat], 25, label);
  }

  function amlType(text) {
    const chosen = $("aml-format").value;
    if (chosen !== "auto") return chosen;
    const t = text.trim();
    if (t.startsWith("<")) return "application/pidf+xml";
    if (/^[A-Za-z_]+=[^;]*&/.test(t) && !t.includes(";")) return "application/x-www-form-urlencoded";
    return "text/plain";
  }

  async function showDevice(ev) {
    ev.preventDefault();
    const text = $("aml").value;
    if (!text.trim()) return;
    try {
      const f = await S.api("/api/geo/caller-location/", { method: "POST", body: text, headers: { "Content-Type": amlType(text) } });
      if (!f.geometry) {
        say("aml-msg", L.no_device_location, "warn");
        return;
      }
      const p = f.properties;
      state.device = { type: "Feature", geometry: p.uncertainty_area || f.geometry, properties: {} };
      state.deviceFix = { position: f.geometry.coordinates, radius: p.uncertainty_m, label: "AML/PIDF-LO ±" + Math.round(p.uncertainty_m || 0) + " m" + (p.kelurahan ? ", " + p.kelurahan.name : "") };
      say("aml-msg", state.deviceFix.label);
      $("use-device").disabled = false;
      flyTo(f.geometry.coordinates, 15);
      render();
    } catch (e) {
      fail("aml-msg")(e);
    }
  }

  // --- create -----------------------------------------------------------------------------------
  async function create(ev) {
    ev.preventDefault();
    if (!state.confirmed) return;
    const [lon, lat] = state.confirmed.position;
    const type = $("type").value;
    try {
      if (!state.call) {
        const body = { spoken_address: $("address").value.slice(0, 300), type, lat, lon };
        const number = $("caller").value.trim();
        if (number) body.caller_number = number;
        const call = await S.api("/api/calls/", { method: "POST", json: body });
        state.call = call;
        showIntake(call);
      }
      const incident = await S.api("/api/incidents/", {
        method: "POST",
        json: {
          type,
          lat,
          lon,
          uncertainty_m: state.confirmed.radius,
          address: state.confirmed.label.slice(0, 300),
          description: $("description").value,
          call: state.call.id,
        },
        headers: { "Idempotency-Key": "console-call-" + state.call.id },
      });
      say("create-msg", S.fmt(L.incident_created, { id: incident.id }));
      await openIncident(incident);
    } catch (e) {
      fail("create-msg")(e);
    }
  }

  function showIntake(call) {
    const adv = call.advisory || {};
    $("advisory").textContent = S.fmt(L.advisory, { level: L.advisory_level[adv.level] || adv.level || "-" }) + (adv.reasons && adv.reasons.length ? " — " + adv.reasons.map((r) => (r && r.text) || String(r)).join("; ") : "");
    $("advisory").className = "msg" + (adv.level && adv.level !== "low" ? " warn" : "");
    const list = $("duplicates");
    list.replaceChildren();
    for (const d of call.duplicates || []) {
      const li = S.el("li", "#" + d.incident + " " + (typeNames[d.type] || d.type) + " · " + Math.round(d.distance_m) + " m · " + S.fmt(L.minutes, { min: d.age_min }), { "data-incident": d.incident });
      const attach = S.el("button", S.fmt(L.attach, { id: d.incident }), { type: "button", class: "secondary" });
      attach.onclick = async () => {
        try {
          const inc = await S.api("/api/incidents/" + d.incident + "/attach-call/", { method: "POST", json: { call: call.id } });
          await openIncident(inc);
        } catch (e) {
          fail("create-msg")(e);
        }
      };
      li.append(attach);
      list.append(li);
    }
  }

  // --- the incident ----------------------------------------------------------------------------
  async function openIncident(incident) {
    state.incident = incident;
    const p = incident.properties;
    $("incident").hidden = false;
    $("incident-title").textContent = "#" + incident.id + " " + (p.type_name || p.type) + " — " + (L.status[p.status] || p.status);
    $("incident-title").dataset.status = p.status;
    $("incident-description").textContent = p.description || "";
    fillTransitions(p.status);
    showAssigned(p.units || []);
    await Promise.all([loadUnits(), loadCameras(), loadTimeline()]);
  }

  let reloadTimer = null;
  function reloadIncidentSoon() {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => reloadIncident().catch(fail("incident-msg")), 250);
  }

  async function reloadIncident() {
    const inc = await S.api("/api/incidents/" + state.incident.id + "/");
    await openIncident(inc);
  }

  function fillTransitions(status) {
    const select = $("status");
    select.replaceChildren();
    for (const to of config.transitions[status] || []) select.append(S.el("option", L.status[to] || to, { value: to }));
    $("transition").disabled = !select.options.length;
  }

  // The units on this incident, each with the moves its crew may report (on scene, returning...).
  function showAssigned(units) {
    const list = $("assigned");
    list.replaceChildren();
    if (!units.length) list.append(S.el("li", L.no_units, { class: "meta" }));
    for (const u of units) {
      const li = S.el("li", u.code + " — " + (L.unit_status[u.status] || u.status), { "data-assigned": u.id, "data-status": u.status });
      for (const to of (config.unitTransitions || {})[u.status] || []) {
        const b = S.el("button", L.unit_to[to] || to, { type: "button", class: "secondary", "data-unit-to": to });
        b.onclick = () => setUnitStatus(u, to);
        li.append(" ", b);
      }
      list.append(li);
    }
  }

  async function setUnitStatus(u, to) {
    try {
      await S.api("/api/units/" + u.id + "/status/", { method: "POST", json: { status: to } });
      await reloadIncident();
    } catch (e) {
      fail("assigned-msg")(e);
    }
  }

  function eta(seconds) {
    const s = Math.round(seconds);
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  async function loadUnits() {
    const list = $("units");
    list.replaceChildren();
    const answer = await S.api("/api/incidents/" + state.incident.id + "/nearest-units/?k=3");
    if (answer.note) list.append(S.el("li", answer.note, { class: "meta" }));
    state.routes = {
      type: "FeatureCollection",
      features: answer.results.filter((r) => r.route).map((r) => ({ type: "Feature", geometry: r.route, properties: { unit: r.id } })),
    };
    for (const r of answer.results) {
      const li = S.el("li", r.code + " — " + r.name, { "data-unit": r.id });
      const info = r.method === "road"
        ? S.fmt(L.eta, { time: eta(r.eta_s), km: (r.distance_m / 1000).toFixed(1) })
        : L.straight + " · " + (r.straight_m / 1000).toFixed(1) + " km";
      li.append(S.el("span", r.agency + " · " + info, { class: "meta eta" }));
      if (r.kind === "unit") {
        const b = S.el("button", L.dispatch, { type: "button", "data-dispatch": r.id });
        b.onclick = () => dispatch(r);
        li.append(b);
      }
      list.append(li);
    }
    render();
  }

  async function dispatch(r) {
    try {
      const inc = await S.api("/api/incidents/" + state.incident.id + "/dispatch/", { method: "POST", json: { unit: r.id } });
      say("incident-msg", S.fmt(L.dispatched, { unit: r.code }));
      await openIncident(inc);
    } catch (e) {
      fail("incident-msg")(e);
    }
  }

  async function loadCameras() {
    const list = $("cameras");
    list.replaceChildren();
    const answer = await S.api("/api/incidents/" + state.incident.id + "/cameras/");
    if (!answer.covering || !answer.covering.length) list.append(S.el("li", L.no_cameras, { class: "meta" }));
    for (const c of answer.covering || []) {
      const li = S.el("li", c.name + " · " + S.fmt(L.covering, { m: c.distance_m }) + " · " + (L.camera_status[c.status] || c.status), { "data-camera": c.code });
      const url = c.stream_hls || c.stream_rtsp;
      if (url) {
        const a = S.el("a", L.stream, { href: url, target: "_blank", rel: "noopener noreferrer" });
        li.append(" ", a);
      }
      list.append(li);
    }
  }

  async function loadTimeline() {
    const list = $("timeline");
    list.replaceChildren();
    const events = await S.api("/api/incidents/" + state.incident.id + "/timeline/");
    for (const e of events) {
      const d = e.data || {};
      const statuses = e.kind === "unit_status" ? L.unit_status : L.status;
      const to = typeof d.new === "string" ? " → " + (statuses[d.new] || d.new) : "";
      const text = e.kind === "note" ? d.text : (L.event_kind[e.kind] || e.kind) + (d.unit ? " " + d.unit : "") + to;
      list.append(S.el("li", S.wib.format(new Date(e.at)) + " " + (e.actor || "") + ": " + text));
    }
  }

  async function addNote(ev) {
    ev.preventDefault();
    const text = $("note").value.trim();
    if (!text) return;
    try {
      await S.api("/api/incidents/" + state.incident.id + "/notes/", { method: "POST", json: { text } });
      $("note").value = "";
      await loadTimeline();
    } catch (e) {
      fail("incident-msg")(e);
    }
  }

  async function transition(ev) {
    ev.preventDefault();
    try {
      const inc = await S.api("/api/incidents/" + state.incident.id + "/transition/", {
        method: "POST",
        json: { to: $("status").value, version: state.incident.properties.version },
      });
      await openIncident(inc);
    } catch (e) {
      fail("incident-msg")(e);
    }
  }

  // --- live ---------------------------------------------------------------------------------------
  function putIncident(p, position) {
    if (!OPEN.includes(p.status) || !position) state.incidents.delete(p.id);
    else state.incidents.set(p.id, { ...p, position });
  }
  function putUnit(u) {
    const old = state.units.get(u.id) || {};
    const position = u.point || old.position;
    if (!position) return;
    const heading = u.heading_deg != null ? u.heading_deg : old.heading_deg;
    state.units.set(u.id, { ...old, ...u, position, heading_deg: heading, tip: heading != null ? S.ahead(position, heading, 120) : position });
  }
  function loadSnapshot(snap) {
    state.incidents.clear();
    for (const f of snap.incidents.features) putIncident({ id: f.id, ...f.properties }, f.geometry && f.geometry.coordinates);
    state.units.clear();
    for (const f of snap.units.features) putUnit({ ...f.properties, point: f.geometry.coordinates });
    state.cameras = snap.cameras.features;
  }

  async function start() {
    $("search-form").onsubmit = search;
    $("aml-form").onsubmit = showDevice;
    $("use-device").onclick = () => state.deviceFix && confirm(state.deviceFix.position, state.deviceFix.radius, state.deviceFix.label);
    $("create-form").onsubmit = create;
    $("note-form").onsubmit = addNote;
    $("status-form").onsubmit = transition;
    const snap = await S.api("/api/layers/wall/");
    loadSnapshot(snap);
    deckgl = new deck.Deck({
      parent: $("map"),
      initialViewState: config.view,
      controller: true,
      layers: layers(),
      onClick: clickMap,
      getCursor: ({ isHovering }) => (isHovering ? "pointer" : "crosshair"),
    });
    const feed = new S.Feed({
      onEvent(event) {
        const p = event;
        if (p.incident && p.incident.point) putIncident(p.incident, p.incident.point);
        for (const u of p.units || []) putUnit(u);
        if (p.unit) putUnit(p.unit); // incident.dispatched and unit.status carry the unit
        // Another operator (or the crew's report) changed the incident on screen: show it.
        const open = state.incident && state.incident.id;
        const mine = open && ((p.incident && p.incident.id === open) || (p.unit && p.unit.incident === open));
        if (mine && event.kind !== "incident.created") reloadIncidentSoon();
        render();
      },
      onFlush: render, // once per frame, however many events it carried
      onState(info) {
        $("feed").className = "feed " + (info.up ? "up" : "down");
        $("feed").textContent = info.up ? L.feed_live : S.fmt(L.feed_down, { time: S.wib.format(info.since) + " WIB" });
      },
      async onResync() {
        const fresh = await S.api("/api/layers/wall/");
        loadSnapshot(fresh);
        render();
        feed.reconnectFrom(fresh.seq);
      },
    });
    feed.start(snap.seq);
    window.__console = { state, deck: deckgl };
    document.body.dataset.ready = "1";
  }

  start().catch((e) => say("locate-msg", S.fmt(L.error, { detail: errorText(e) }), "warn"));
})();
