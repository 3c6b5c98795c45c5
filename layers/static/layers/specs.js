/* Turn the server's pydeck layer specs into deck.gl layers, and the small helpers both pages use.
 * Specs: "@@type" names a deck.gl class; "@@=a.b" reads a property path of a datum;
 * {"@@lookup": "a.b", "table": {...}, "default": v} maps that value to a style.
 * Only property paths are accepted: no expression is ever evaluated. */
(function () {
  "use strict";
  const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

  function getter(path) {
    if (!PATH.test(path)) throw new Error("unsupported accessor: " + path);
    const keys = path.split(".");
    return (d) => keys.reduce((o, k) => (o == null ? undefined : o[k]), d);
  }

  function resolve(value) {
    if (typeof value === "string" && value.startsWith("@@=")) return getter(value.slice(3));
    if (value && typeof value === "object" && !Array.isArray(value) && "@@lookup" in value) {
      const get = getter(value["@@lookup"]);
      const table = value.table || {};
      const fallback = value.default;
      return (d) => {
        const v = table[get(d)];
        return v === undefined ? fallback : v;
      };
    }
    return value;
  }

  function layerProps(spec) {
    const props = {};
    for (const [key, value] of Object.entries(spec)) {
      if (key === "@@type" || key.startsWith("_")) continue;
      props[key] = resolve(value);
    }
    return props;
  }

  /** A factory per spec id: build(id, overrides) → a new deck.gl layer. */
  function specRegistry(specs) {
    const byId = new Map();
    for (const spec of specs) {
      const cls = window.deck[spec["@@type"]];
      if (!cls) throw new Error("unknown layer type " + spec["@@type"]);
      byId.set(spec.id, { cls, props: layerProps(spec) });
    }
    return {
      ids: specs.map((s) => s.id),
      has: (id) => byId.has(id),
      build(id, overrides) {
        const entry = byId.get(id);
        return new entry.cls({ ...entry.props, ...overrides });
      },
    };
  }

  /** Credentials: a token kept in this tab's sessionStorage, or the session cookie. */
  const TOKEN_KEY = "siaga112.token";
  const auth = {
    token: () => sessionStorage.getItem(TOKEN_KEY),
    setToken: (key) => sessionStorage.setItem(TOKEN_KEY, key),
    clear: () => sessionStorage.removeItem(TOKEN_KEY),
    headers() {
      const key = auth.token();
      return key ? { Authorization: "Token " + key } : {};
    },
    protocols() {
      const key = auth.token();
      return key ? ["siaga112", "token." + key] : ["siaga112"];
    },
  };

  class HttpError extends Error {
    constructor(status, body) {
      super("HTTP " + status + (body ? ": " + JSON.stringify(body).slice(0, 300) : ""));
      this.status = status;
      this.body = body;
    }
  }

  function csrfToken() {
    const el = document.querySelector("meta[name=csrf-token]");
    return el ? el.content : "";
  }

  async function api(path, options = {}) {
    const headers = { Accept: "application/json", ...auth.headers(), ...(options.headers || {}) };
    const init = { method: options.method || "GET", headers, credentials: "same-origin" };
    if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.json);
    } else if (options.body !== undefined) {
      init.body = options.body;
    }
    if (init.method !== "GET") headers["X-CSRFToken"] = csrfToken();
    const response = await fetch(path, init);
    const text = await response.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch (e) {
      body = text;
    }
    if (!response.ok) throw new HttpError(response.status, body);
    return body;
  }

  /** The live feed: ws/events/ with ?since=SEQ on every (re)connect, so nothing is missed.
   * It asks for the batch framing (subprotocol siaga112.batch): the events that waited for this
   * client come together as {"type": "events", "events": [...]}. One event per frame (a server
   * that answers with siaga112) is understood too. onEvent(event) is called for each event in
   * order, then onFlush() once per frame: redraw there, not per event. */
  const BATCH_PROTOCOL = "siaga112.batch";

  class Feed {
    constructor({ onEvent, onFlush, onState, onResync }) {
      this.onEvent = onEvent;
      this.onFlush = onFlush || (() => {});
      this.onState = onState;
      this.onResync = onResync;
      this.seq = null;
      this.downSince = null;
      this.retry = 500;
      this.ws = null;
      this.stopped = false;
    }
    start(seq) {
      this.seq = seq;
      this.connect();
    }
    connect() {
      if (this.stopped) return;
      const scheme = location.protocol === "https:" ? "wss://" : "ws://";
      const query = this.seq == null ? "" : "?since=" + this.seq;
      const protocols = [BATCH_PROTOCOL, ...auth.protocols()];
      const ws = new WebSocket(scheme + location.host + "/ws/events/" + query, protocols);
      this.ws = ws;
      ws.onmessage = (msg) => {
        let message;
        try {
          message = JSON.parse(msg.data);
        } catch (e) {
          return;
        }
        const events = message.type === "events" && Array.isArray(message.events) ? message.events : [message];
        let applied = false;
        for (const event of events) applied = this.receive(event) || applied;
        if (applied && this.ws === ws) this.onFlush();
      };
      ws.onclose = (ev) => {
        if (this.ws !== ws) return;
        if (this.downSince == null) this.downSince = new Date();
        this.onState({ up: false, since: this.downSince, code: ev.code });
        if (ev.code === 4401 || ev.code === 4403) return; // credentials refused: no retry
        setTimeout(() => this.connect(), this.retry);
        this.retry = Math.min(this.retry * 2, 5000);
      };
    }
    /** One message: true when it was an event handed to onEvent. */
    receive(event) {
      if (event.type === "hello") {
        this.retry = 500;
        this.downSince = null;
        this.onState({ up: true });
        if (this.seq == null) this.seq = event.latest_seq;
        return false;
      }
      if (event.type === "resync") {
        this.onResync();
        return false;
      }
      if (typeof event.seq === "number") {
        if (this.seq != null && event.seq <= this.seq) return false; // seen already
        this.seq = event.seq;
      }
      this.onEvent(event);
      return true;
    }
    reconnectFrom(seq) {
      this.seq = seq;
      if (this.ws) {
        const old = this.ws;
        this.ws = null;
        old.onclose = null;
        old.close();
      }
      this.connect();
    }
  }

  // Dates and times in the page's language (base templates set <html lang>), always in WIB.
  const dateLocale = document.documentElement.lang === "en" ? "en-GB" : "id-ID";
  const wib = new Intl.DateTimeFormat(dateLocale, {
    timeZone: "Asia/Jakarta",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
  });
  const wibDate = new Intl.DateTimeFormat(dateLocale, {
    timeZone: "Asia/Jakarta",
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
  });

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)(0?\d*)([sd])/g, (_, name, pad, kind) => {
      let v = values[name];
      if (kind === "d") v = String(Math.floor(Number(v)));
      else v = String(v);
      if (pad && pad.startsWith("0")) v = v.padStart(Number(pad), "0");
      return v;
    });
  }

  /** A DOM element with text (never HTML) and attributes. */
  function el(tag, text, attrs) {
    const node = document.createElement(tag);
    if (text != null) node.textContent = String(text);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    return node;
  }

  /** A point ahead of lon/lat by metres along a heading (degrees from north). */
  function ahead(position, headingDeg, metres) {
    const rad = (headingDeg * Math.PI) / 180;
    const dLat = (metres * Math.cos(rad)) / 111320;
    const dLon = (metres * Math.sin(rad)) / (111320 * Math.cos((position[1] * Math.PI) / 180));
    return [position[0] + dLon, position[1] + dLat];
  }

  function mvtOptions() {
    // Parse tiles on the main thread with loaders.gl's MVTLoader (served from here): the bundle's
    // MVTLayer would otherwise load its parser as a web worker from a CDN.
    return {
      loaders: [window.loaders.MVTLoader],
      loadOptions: { worker: false, fetch: { headers: auth.headers(), credentials: "same-origin" } },
    };
  }

  window.Siaga = { specRegistry, auth, api, HttpError, Feed, wib, wibDate, fmt, el, ahead, mvtOptions };
})();
