#!/usr/bin/env python
"""Build bench/geocode_eval.jsonl: labelled geocoder queries, said as Pekanbaru callers say them.

Method
------
Built only from the fixture files (no database): ``fixtures/pekanbaru/roads/road_edges.csv.gz``,
``roads/street_aliases.csv``, ``poi/places.geojson`` and the Kemendagri kelurahan/kecamatan
polygons in ``fixtures/pekanbaru/admin``. A fixed seed makes the set reproducible: the same
fixtures give the same file. Ten kinds of query, each with the geometry that counts as right:

- ``street``: a register street whose name is unambiguous: no other register name or alias has
  the same letters, it is not a place or area name, and its edges form one piece or lie within
  2 km of each other (single-linkage). Prefixes vary as callers write them (``Jl.``, ``jln``,
  ``jalan``, ``Gg.`` for gang, lowercase, no punctuation). Truth: the street's edges.
- ``street_kelurahan``: street + house number/RT-RW + kelurahan ("Jl. Kartini kel. Simpang
  Empat", "jalan durian no 12 labuh baru timur"). Truth: only the part of the street inside that
  kelurahan polygon (at least 100 m inside it). Kelurahan whose label the two admin layers
  dispute (``label_check = conflict``) are not used.
- ``abbreviated``: unambiguous streets with ``Jln./Jl./Gg./No./Kel./Kec.`` forms, RT/RW noise and
  abbreviated titles (``Jend.``, ``H.``, ``Dr.``, ``KH.``, ``Prof.``, ``H.R.``).
- ``misspelt``: unambiguous streets (names of 6+ letters) with one or two slips: a dropped,
  doubled, swapped or neighbouring-key letter, a missing or extra space, or a phonetic swap
  (oe/u, dj/j, ch/kh, tj/c, f/p, doubled/single letters). A slip that yields another register
  name is not used.
- ``alias``: everyday names from street_aliases.csv ("Harapan Raya", "Jalan Ahmad Yani"),
  only where the alias is not also the name of another street, place or area. Truth: the edges
  of every register name carrying that alias (e.g. Tngku Bay and T. Bey for "Tengku Bey").
- ``intersection``: "simpang Jl. A dan Jl. B", "perempatan A - B", "pertigaan jalan A jalan B"
  (the word follows the number of legs), "simpang A x B". Only pairs of unambiguous names that
  meet at exactly one graph node, or whose meeting nodes lie within 100 m of each other
  (connector edges of the graph count as the same node). Truth: that node.
- ``landmark``: a place name or alias alone ("RSUD Arifin Achmad", "Mal SKA"). Truth: the place.
- ``landmark_relative``: "depan/dekat/belakang/seberang/samping X". Truth: the place X.
- ``kelurahan``: "kelurahan Tangkerang Tengah", "kel. Jadirejo", the BPS spelling, or the bare
  name when it names nothing else. Truth: the kelurahan polygon (by Kemendagri code).
- ``kecamatan``: "kecamatan Marpoyan Damai", "kec. Sukajadi", spaced variants ("Lima Puluh").

Each line: {"id", "query", "kind", "truth", "tolerance_m", "note"} with truth one of
{"type": "line", "wkt": "MULTILINESTRING(...)"}, {"type": "point", "wkt": "POINT(lon lat)"} or
{"type": "area", "level": "kelurahan"|"kecamatan", "code": "14.71...", "name": "..."}.

Scoring rule (bench_geocode.py): a returned point is correct when it lies within
``tolerance_m`` metres (150) of the truth line or point, measured in UTM 47N, or inside the
truth area. Top-1 counts the first result; top-5 counts any of the first five.

    .venv/bin/python bench/make_geocode_eval.py
"""

from __future__ import annotations

import csv
import gzip
import json
import random
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely
from pyproj import Transformer
from shapely import wkt as shapely_wkt
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import linemerge, unary_union

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "fixtures" / "pekanbaru"
OUT = Path(__file__).with_name("geocode_eval.jsonl")
SEED = 112
TOLERANCE_M = 150
PER_KIND = {
    "street": 40,
    "street_kelurahan": 42,
    "abbreviated": 40,
    "misspelt": 40,
    "alias": 40,
    "intersection": 42,
    "landmark": 40,
    "landmark_relative": 40,
    "kelurahan": 45,
    "kecamatan": 40,
}
PLACEHOLDERS = {"none", "-", "null", ""}
CLUSTER_GAP_M = 2000.0
MEET_SPREAD_M = 100.0
MIN_INSIDE_M = 100.0
MAX_QUERY = 120
TO_M = Transformer.from_crs(4326, 32647, always_xy=True)
TO_LL = Transformer.from_crs(32647, 4326, always_xy=True)


def letters(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


def to_m(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: _apply(TO_M, xy))


def to_ll(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: _apply(TO_LL, xy))


def _apply(tr: Transformer, xy):
    x, y = tr.transform(xy[:, 0], xy[:, 1])
    xy = xy.copy()
    xy[:, 0], xy[:, 1] = x, y
    return xy


def lines_of(geom: BaseGeometry) -> list[LineString]:
    if isinstance(geom, LineString):
        return [geom] if not geom.is_empty else []
    return [g for part in getattr(geom, "geoms", []) for g in lines_of(part)]


def multiline_wkt(geom_ll: BaseGeometry) -> str:
    parts = []
    for line in lines_of(geom_ll):
        coords = []
        for x, y in line.coords:
            pair = f"{x:.7f} {y:.7f}"
            if not coords or coords[-1] != pair:
                coords.append(pair)
        if len(coords) >= 2:
            parts.append("(" + ", ".join(coords) + ")")
    return "MULTILINESTRING(" + ", ".join(parts) + ")"


def point_wkt(lon: float, lat: float) -> str:
    return f"POINT({lon:.7f} {lat:.7f})"


# --------------------------------------------------------------------------------------------
# Fixture data
# --------------------------------------------------------------------------------------------


@dataclass
class Street:
    name: str
    road_class: str
    edges: list[int]
    geom_m: BaseGeometry  # merged, metres
    length_m: float


class Data:
    def __init__(self) -> None:
        self.edge_name: list[str] = []
        self.edge_class: list[str] = []
        self.edge_conn: list[bool] = []
        self.edge_src: list[int] = []
        self.edge_tgt: list[int] = []
        self.edge_geom_ll: list[LineString] = []
        with gzip.open(FIX / "roads" / "road_edges.csv.gz", "rt", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                self.edge_name.append(row["name"])
                self.edge_class.append(row["road_class"])
                self.edge_conn.append(row["is_connector"] == "t")
                self.edge_src.append(int(row["source"]))
                self.edge_tgt.append(int(row["target"]))
                self.edge_geom_ll.append(shapely_wkt.loads(row["wkt"]))
        self.edge_geom_m = [to_m(g) for g in self.edge_geom_ll]
        rank = {"arteri": 6, "kolektor": 5, "lingkungan": 3, "perumahan": 2, "gang": 1}
        by_name: dict[str, list[int]] = defaultdict(list)
        for i, name in enumerate(self.edge_name):
            if name.strip().lower() not in PLACEHOLDERS and not self.edge_conn[i]:
                by_name[name].append(i)
        self.streets: dict[str, Street] = {}
        for name in sorted(by_name):
            idx = by_name[name]
            merged = unary_union([self.edge_geom_m[i] for i in idx])
            if not isinstance(merged, LineString):
                merged = linemerge(merged)
            cls = max((self.edge_class[i] for i in idx), key=lambda c: rank.get(c, 0))
            self.streets[name] = Street(name, cls, idx, merged, float(merged.length))
        with (FIX / "roads" / "street_aliases.csv").open(encoding="utf-8") as handle:
            self.aliases = [
                (r["register_name"], r["alias"], r["note"]) for r in csv.DictReader(handle)
            ]
        self.places = json.loads((FIX / "poi" / "places.geojson").read_text(encoding="utf-8"))[
            "features"
        ]
        self.kel = gpd.read_file(FIX / "admin" / "kelurahan_kemendagri.geojson")
        self.kec = gpd.read_file(FIX / "admin" / "kecamatan_kemendagri.geojson")
        self.kel_m = self.kel.to_crs(32647)
        self.kec_m = self.kec.to_crs(32647)
        # Who answers to which letters: register names, aliases, places, areas.
        self.name_owners: dict[str, set[str]] = defaultdict(set)
        for name in self.streets:
            self.name_owners[letters(name)].add(name)
        self.alias_owners: dict[str, set[str]] = defaultdict(set)
        for register, alias, _ in self.aliases:
            if register in self.streets:
                self.alias_owners[letters(alias)].add(register)
        self.place_keys: set[str] = set()
        for f in self.places:
            p = f["properties"]
            for text in [p["name"], *p["aliases"]]:
                self.place_keys.add(letters(text))
        self.area_keys = {letters(n) for n in self.kel["nama"]} | {
            letters(n) for n in self.kel["nama_bps"]
        }
        self.area_keys |= {letters(n) for n in self.kec["kecamatan"]}

    # A street name a caller can use without naming something else too.
    def plain_name(self, name: str) -> bool:
        if name.strip().lower() in PLACEHOLDERS or re.match(r"^\s*\d", name):
            return False
        if any(c in name for c in "()/,") or len(letters(re.sub(r"\d", "", name))) < 4:
            return False
        if re.match(r"^(gg\.?|gang|jl\.?|jalan)\s", name, re.IGNORECASE):
            return False  # the register name carries its own prefix
        key = letters(name)
        if self.name_owners[key] != {name}:
            return False
        if self.alias_owners.get(key, set()) - {name}:
            return False
        return key not in self.place_keys and key not in self.area_keys

    def one_piece(self, names: list[str]) -> bool:
        parts = [p for n in names for p in lines_of(self.streets[n].geom_m)]
        groups = list(range(len(parts)))

        def find(i: int) -> int:
            while groups[i] != i:
                groups[i] = groups[groups[i]]
                i = groups[i]
            return i

        for i in range(len(parts)):
            for j in range(i + 1, len(parts)):
                if parts[i].distance(parts[j]) <= CLUSTER_GAP_M:
                    groups[find(i)] = find(j)
        return len({find(i) for i in range(len(parts))}) == 1

    def street_wkt(self, names: list[str]) -> str:
        geom = unary_union([self.streets[n].geom_m for n in names])
        return multiline_wkt(to_ll(geom))


# --------------------------------------------------------------------------------------------
# How callers write things
# --------------------------------------------------------------------------------------------

STREET_PREFIXES = ["Jl.", "Jl", "jl", "jl.", "Jln.", "jln", "Jalan", "jalan", "JL."]
GANG_PREFIXES = ["Gg.", "gg", "Gang", "gang"]
# Everyday names of shared SOURCES.md §2.1 and REFERENCE.md §3: always in the alias set.
FIRST_ALIASES = [
    "Ahmad Yani",
    "HR Soebrantas",
    "Soebrantas",
    "Tengku Bey",
    "Kaharuddin Nasution",
    "Jenderal Sudirman",
    "Harapan Raya",
    "Tuanku Tambusai Ujung",
    "Hangtuah",
]
MUST_PLACES = {
    "RSUD Arifin Achmad",
    "Kantor Walikota Pekanbaru",
    "Kantor Gubernur Riau",
    "Kantor Lurah Simpang Tiga",
    "Polsek Tampan",
    "SMA Negeri 1 Pekanbaru",
    "Dinas Pemadam Kebakaran (Jl. Yos Sudarso)",
    "Polresta Pekanbaru",
    "Puskesmas Simpang Tiga",
}
RELATIVE = ["depan", "dekat", "belakang", "seberang", "samping", "di depan", "sebelah"]
KEYBOARD = {
    "a": "s",
    "s": "a",
    "d": "s",
    "e": "r",
    "r": "e",
    "i": "o",
    "o": "i",
    "u": "y",
    "n": "m",
    "m": "n",
    "t": "r",
    "k": "j",
    "g": "h",
    "h": "g",
    "l": "k",
    "p": "o",
    "b": "v",
}
ROMAN = re.compile(r"^[IVX]+$", re.IGNORECASE)
PHONETIC = [
    ("oe", "u"),
    ("u", "oe"),
    ("j", "dj"),
    ("dj", "j"),
    ("kh", "ch"),
    ("ch", "kh"),
    ("c", "tj"),
    ("f", "p"),
    ("sy", "sj"),
    ("y", "i"),
]


def prefix_for(street: Street, rng: random.Random) -> str:
    return rng.choice(GANG_PREFIXES if street.road_class == "gang" else STREET_PREFIXES)


def say(text: str, rng: random.Random) -> str:
    """Case as callers type: as written, all lowercase, or without dots."""
    roll = rng.random()
    if roll < 0.35:
        return text.lower()
    if roll < 0.5:
        return re.sub(r"\.\s*", " ", text).strip()
    return text


def slip(word: str, rng: random.Random) -> tuple[str, str]:
    """One realistic slip in a word; returns (new word, what was done)."""
    low = word.lower()
    options: list[str] = ["drop", "double", "swap", "key"]
    if any(a in low for a, _ in PHONETIC):
        options += ["phonetic", "phonetic"]
    if re.search(r"(.)\1", low):
        options.append("undouble")
    kind = rng.choice(options)
    i = rng.randrange(1, len(word) - 1)
    if kind == "drop":
        return word[:i] + word[i + 1 :], f"dropped '{word[i]}'"
    if kind == "double":
        return word[:i] + word[i] + word[i:], f"doubled '{word[i]}'"
    if kind == "swap" and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :], "swapped two letters"
    if kind == "key":
        j = next((k for k in range(i, len(word)) if word[k].lower() in KEYBOARD), None)
        if j is not None:
            new = KEYBOARD[word[j].lower()]
            return word[:j] + new + word[j + 1 :], f"'{word[j]}' typed as '{new}'"
    if kind == "undouble":
        m = re.search(r"(.)\1", low)
        if m:
            return word[: m.start()] + word[m.start() + 1 :], "single for double letter"
    if kind == "phonetic":
        pairs = [(a, b) for a, b in PHONETIC if a in low]
        a, b = rng.choice(pairs)
        j = low.index(a)
        new = b.capitalize() if word[j].isupper() else b
        return word[:j] + new + word[j + len(a) :], f"phonetic {a}->{b}"
    return word[:i] + word[i + 1 :], f"dropped '{word[i]}'"


def misspell(name: str, rng: random.Random) -> tuple[str, str]:
    words = name.split()
    long_idx = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    notes = []
    joinable = [
        j
        for j in range(len(words) - 1)
        if words[j].isalpha() and words[j + 1].isalpha() and not ROMAN.match(words[j + 1])
    ]
    if joinable and rng.random() < 0.2:
        j = rng.choice(joinable)
        words[j : j + 2] = [words[j] + words[j + 1].lower()]
        notes.append("missing space")
        long_idx = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    if long_idx:
        for _ in range(1 if notes or rng.random() < 0.7 else 2):
            k = rng.choice(long_idx)
            words[k], what = slip(words[k], rng)
            notes.append(what)
    elif words and len(words[0]) >= 4 and rng.random() < 0.5:
        w = words[0]
        words[0] = w[:2] + " " + w[2:]
        notes.append("extra space")
    return " ".join(words), ", ".join(notes)


# --------------------------------------------------------------------------------------------
# Builders per kind
# --------------------------------------------------------------------------------------------


class Builder:
    def __init__(self, data: Data, rng: random.Random) -> None:
        self.d = data
        self.rng = rng
        self.items: list[dict] = []
        self.queries: set[str] = set()

    def add(self, kind: str, query: str, truth: dict, note: str = "") -> bool:
        query = re.sub(r"\s+", " ", query).strip()
        if len(query) > MAX_QUERY or query.lower() in self.queries:
            return False
        self.queries.add(query.lower())
        self.items.append(
            {"query": query, "kind": kind, "truth": truth, "tolerance_m": TOLERANCE_M, "note": note}
        )
        return True

    def count(self, kind: str) -> int:
        return sum(1 for i in self.items if i["kind"] == kind)

    # --- streets ------------------------------------------------------------------------------

    def unique_streets(self) -> list[Street]:
        out = [
            s
            for name, s in self.d.streets.items()
            if s.length_m >= 100 and self.d.plain_name(name) and self.d.one_piece([name])
        ]
        # Mix of classes like calls: 40 % arterial/collector, 40 % local, 20 % gang.
        buckets: dict[str, list[Street]] = {"major": [], "local": [], "gang": []}
        for s in out:
            if s.road_class in ("arteri", "kolektor"):
                buckets["major"].append(s)
            elif s.road_class == "gang":
                buckets["gang"].append(s)
            else:
                buckets["local"].append(s)
        for items in buckets.values():
            self.rng.shuffle(items)
        pattern = ["major", "local", "major", "local", "gang"]
        ordered: list[Street] = []
        while any(buckets.values()):
            for b in pattern:
                if buckets[b]:
                    ordered.append(buckets[b].pop())
        return ordered

    def streets(self, pool: list[Street]) -> None:
        for s in pool:
            if self.count("street") >= PER_KIND["street"]:
                return
            query = say(f"{prefix_for(s, self.rng)} {s.name}", self.rng)
            truth = {"type": "line", "wkt": self.d.street_wkt([s.name])}
            self.add("street", query, truth, f"register street {s.name} ({s.road_class})")

    def abbreviated(self, pool: list[Street]) -> None:
        titled = [
            ("Sudirman", "Jl. Jend. Sudirman No. {n}"),
            ("Sudirman", "jln jend sudirman no {n}"),
            ("A.Yani", "Jl. Jend. A. Yani No. {n}"),
            ("KH. Ahmad Dahlan", "Jl. K.H. Ahmad Dahlan No. {n}"),
            ("KH. Wahid Hasyim", "Jl. KH Wahid Hasyim RT {rt:02d} RW {rw:02d}"),
            ("Dr.Leimena", "Jln. Dr. Leimena No. {n}"),
            ("Prof. Muktar Lutfi", "Jl. Prof. Muktar Lutfi No. {n}"),
            ("Subrantas", "Jl. H.R. Soebrantas No. {n}"),
            ("Subrantas", "jl hr soebrantas km 12 no {n}"),
            ("H.Ismail Yusuf", "Jl. H. Ismail Yusuf No. {n}"),
            ("M. Husni Thamrin", "Jl. M.H. Thamrin No. {n}"),
            ("T. Umar", "Jl. T. Umar No. {n}"),
            ("Syarif Kasim", "Jl. Sultan Syarif Kasim No. {n}"),
            ("Kaharudin Nasution", "Jl. Kaharuddin Nst No. {n}"),
            ("Dt. Wan Abdul Rahman", "Jln. Dt. Wan Abd. Rahman No. {n}"),
            ("Tjg. Datuk", "Jl. Tj. Datuk No. {n}"),
        ]
        for name, form in titled:
            if name not in self.d.streets or not self.d.plain_name(name):
                continue
            if not self.d.one_piece([name]):
                continue
            query = form.format(
                n=self.rng.randint(1, 250), rt=self.rng.randint(1, 9), rw=self.rng.randint(1, 12)
            )
            truth = {"type": "line", "wkt": self.d.street_wkt([name])}
            self.add("abbreviated", query, truth, f"abbreviated title of register {name}")
        for s in pool:
            if self.count("abbreviated") >= PER_KIND["abbreviated"]:
                return
            n, rt, rw = self.rng.randint(1, 250), self.rng.randint(1, 9), self.rng.randint(1, 15)
            gang = s.road_class == "gang"
            forms = [
                f"Jln. {s.name} No. {n}",
                f"Jl. {s.name} RT {rt:02d} RW {rw:02d}",
                f"jl.{s.name.lower()} no.{n}",
                f"JL. {s.name.upper()} NO. {n} RT.{rt:03d}/RW.{rw:03d}",
                f"Jln {s.name} no {n} rt {rt} rw {rw}",
            ]
            if gang:
                forms = [f"Gg. {s.name} No. {n}", f"gg {s.name.lower()} rt {rt:02d}/{rw:02d}"]
            kec = self.area_with(s, "kecamatan")
            if kec and not gang:
                forms.append(f"Jl. {s.name} No. {n} Kec. {kec}")
            truth = {"type": "line", "wkt": self.d.street_wkt([s.name])}
            self.add("abbreviated", self.rng.choice(forms), truth, f"register street {s.name}")

    def area_with(self, s: Street, level: str) -> str | None:
        frame = self.d.kec_m if level == "kecamatan" else self.d.kel_m
        column = "kecamatan" if level == "kecamatan" else "nama"
        inside = [
            (s.geom_m.intersection(g).length, str(n))
            for n, g in zip(frame[column], frame.geometry, strict=True)
        ]
        length, name = max(inside)
        return name if length >= MIN_INSIDE_M else None

    def misspelt(self, pool: list[Street]) -> None:
        known = set(self.d.name_owners) | set(self.d.alias_owners)
        for s in pool:
            if self.count("misspelt") >= PER_KIND["misspelt"]:
                return
            if len(letters(s.name)) < 6 or not any(len(w) >= 6 for w in s.name.split()):
                continue
            for _ in range(5):
                wrong, what = misspell(s.name, self.rng)
                if letters(wrong) != letters(s.name) and letters(wrong) not in known and what:
                    break
            else:
                continue
            query = say(f"{prefix_for(s, self.rng)} {wrong}", self.rng)
            truth = {"type": "line", "wkt": self.d.street_wkt([s.name])}
            self.add("misspelt", query, truth, f"{s.name}: {what}")

    def street_kelurahan(self) -> None:
        kel = self.d.kel_m
        usable = kel[kel["label_check"] != "conflict"]
        rows = []
        for name, s in self.d.streets.items():
            if name.strip().lower() in PLACEHOLDERS or re.match(r"^\s*\d", name):
                continue
            if any(c in name for c in "()/,") or len(letters(name)) < 4:
                continue
            if letters(name) in self.d.area_keys or self.d.name_owners[letters(name)] != {name}:
                continue
            for kname, kbps, kec, code, poly in zip(
                usable["nama"],
                usable["nama_bps"],
                usable["kecamatan"],
                usable["kode_kemendagri"],
                usable.geometry,
                strict=True,
            ):
                if not s.geom_m.intersects(poly):
                    continue
                clip = s.geom_m.intersection(poly)
                if clip.length >= MIN_INSIDE_M:
                    rows.append((name, str(kname), str(kbps), str(kec), str(code), clip))
        self.rng.shuffle(rows)
        # Half of them: names found in several kelurahan, where the kelurahan decides.
        spread = Counter(r[0] for r in rows)
        rows.sort(key=lambda r: 0 if spread[r[0]] > 1 and self.rng.random() < 0.6 else 1)
        used: set[str] = set()
        for name, kname, kbps, kec, _code, clip in rows:
            if self.count("street_kelurahan") >= PER_KIND["street_kelurahan"]:
                return
            if name in used:
                continue
            s = self.d.streets[name]
            n, rt, rw = self.rng.randint(1, 199), self.rng.randint(1, 9), self.rng.randint(1, 15)
            k = kbps if self.rng.random() < 0.3 else kname
            pre = prefix_for(s, self.rng)
            forms = [
                f"{pre} {name} kel. {k}",
                f"{pre.lower()} {name.lower()} no {n} {k.lower()}",
                f"Jln. {name} No. {n}, Kel. {k}",
                f"{name} kelurahan {k}",
                f"{pre} {name} rt {rt:02d} rw {rw:02d} kel {k}",
                f"{pre} {name} No. {n}, {k}, Kec. {kec}",
            ]
            query = self.rng.choice(forms)
            truth = {"type": "line", "wkt": multiline_wkt(to_ll(clip))}
            note = f"{name} clipped to kelurahan {kname} ({clip.length:.0f} m inside)"
            if self.add("street_kelurahan", query, truth, note):
                used.add(name)

    def alias(self) -> None:
        groups: dict[str, tuple[str, set[str]]] = {}
        for register, alias, _ in self.d.aliases:
            key = letters(alias)
            if register not in self.d.streets:
                continue
            text, regs = groups.get(key, (alias, set()))
            regs.add(register)
            groups[key] = (text, regs)
        rows = []
        for key, (text, regs) in sorted(groups.items()):
            others = self.d.name_owners.get(key, set()) - regs
            if others or key in self.d.place_keys or key in self.d.area_keys:
                continue  # the alias also names another street, a place or an area
            if not self.d.one_piece(sorted(regs)):
                continue
            rows.append((text, sorted(regs)))
        first = {letters(a) for a in FIRST_ALIASES}
        self.rng.shuffle(rows)
        rows.sort(key=lambda r: 0 if letters(r[0]) in first else 1)
        rounds = 0
        while self.count("alias") < PER_KIND["alias"] and rounds < 3:
            for text, regs in rows:
                if self.count("alias") >= PER_KIND["alias"]:
                    return
                s = self.d.streets[regs[0]]
                n = self.rng.randint(1, 150)
                forms = [
                    f"{prefix_for(s, self.rng)} {text}",
                    f"{prefix_for(s, self.rng)} {text} no {n}",
                    say(f"Jalan {text}", self.rng),
                ]
                if len(text.split()) >= 2:
                    forms.append(text)
                query = say(self.rng.choice(forms), self.rng) if rounds else forms[0]
                truth = {"type": "line", "wkt": self.d.street_wkt(regs)}
                self.add("alias", query, truth, f"alias of register {' + '.join(regs)}")
            rounds += 1

    def intersections(self) -> None:
        d = self.d
        parent: dict[int, int] = {}

        def find(n: int) -> int:
            parent.setdefault(n, n)
            while parent[n] != n:
                parent[n] = parent[parent[n]]
                n = parent[n]
            return n

        for i, conn in enumerate(d.edge_conn):
            if conn:
                parent[find(d.edge_src[i])] = find(d.edge_tgt[i])
        node_names: dict[int, set[str]] = defaultdict(set)
        node_legs: dict[int, int] = defaultdict(int)
        node_xy: dict[tuple[int, str], tuple[float, float]] = {}
        for i, name in enumerate(d.edge_name):
            if d.edge_conn[i]:
                continue
            ends = ((d.edge_src[i], 0), (d.edge_tgt[i], -1))
            for node, pos in ends:
                group = find(node)
                node_legs[group] += 1
                if name in d.streets:
                    node_names[group].add(name)
                    node_xy.setdefault((group, name), d.edge_geom_ll[i].coords[pos])
        plain = {n for n in d.streets if d.plain_name(n)}
        meets: dict[tuple[str, str], list[int]] = defaultdict(list)
        for group in sorted(node_names):
            names = sorted(node_names[group] & plain)
            for a_i, a in enumerate(names):
                for b in names[a_i + 1 :]:
                    meets[(a, b)].append(group)
        rows = []
        for (a, b), groups in sorted(meets.items()):
            ta, tb = a.lower().split(), b.lower().split()
            if ta[: len(tb)] == tb or tb[: len(ta)] == ta:
                continue  # "Paus" x "Paus I": one name continues the other
            pts = [Point(TO_M.transform(*node_xy[(g, a)])) for g in groups]
            spread = max(p.distance(q) for p in pts for q in pts)
            if spread > MEET_SPREAD_M:
                continue
            g = groups[0]
            if node_legs[g] < 3:
                continue  # two legs: the street only changes its name there
            lon, lat = node_xy[(g, a)]
            classes = {d.streets[a].road_class, d.streets[b].road_class}
            major = classes <= {"arteri", "kolektor"} and "arteri" in classes
            rows.append((a, b, lon, lat, node_legs[g], len(groups), major))
        self.rng.shuffle(rows)
        rows.sort(key=lambda r: 0 if r[6] and self.rng.random() < 0.8 else 1)
        alias_of: dict[str, list[str]] = defaultdict(list)
        for register, alias, _ in d.aliases:
            key = letters(alias)
            if (
                d.alias_owners[key] == {register}
                and not d.name_owners.get(key)
                and key not in d.place_keys
                and key not in d.area_keys
            ):
                alias_of[register].append(alias)
        for a, b, lon, lat, legs, n_nodes, major in rows:
            if self.count("intersection") >= PER_KIND["intersection"]:
                return
            said_a = self.rng.choice([a, *alias_of.get(a, [])]) if alias_of.get(a) else a
            said_b = self.rng.choice([b, *alias_of.get(b, [])]) if alias_of.get(b) else b
            if self.rng.random() < 0.5:
                said_a, said_b = said_b, said_a
            forms = [
                "simpang Jl. {a} dan Jl. {b}",
                "simpang {a} x {b}",
                "persimpangan jl {a} / jl {b}",
                "simpang jalan {a} - jalan {b}",
            ]
            if legs == 3:
                forms += ["pertigaan jalan {a} jalan {b}", "pertigaan {a} - {b}"]
            elif legs == 4:
                forms += ["perempatan {a} - {b}", "perempatan jl. {a} dan jl. {b}"]
            if major:
                forms.append("lampu merah {a} - {b}")
            query = say(self.rng.choice(forms).format(a=said_a, b=said_b), self.rng)
            truth = {"type": "point", "wkt": point_wkt(lon, lat)}
            note = f"{a} x {b}: {n_nodes} meeting node(s) within {MEET_SPREAD_M:.0f} m, {legs} legs"
            self.add("intersection", query, truth, note)

    # --- places -------------------------------------------------------------------------------

    def place_pool(self) -> list[tuple[dict, list[str]]]:
        owners: dict[str, int] = Counter()
        for f in self.d.places:
            p = f["properties"]
            for text in {letters(t) for t in [p["name"], *p["aliases"]]}:
                owners[text] += 1
        street_keys = set(self.d.name_owners) | set(self.d.alias_owners)
        pool = []
        for f in self.d.places:
            p = f["properties"]
            names = [
                t
                for t in [p["name"], *p["aliases"]]
                if owners[letters(t)] == 1
                and letters(t) not in street_keys
                and letters(t) not in self.d.area_keys
                and len(letters(t)) >= 3
                and "(" not in t  # "Pos Pemadam Kebakaran (Kulim)": callers drop the brackets
            ]
            if names:
                pool.append((f, names))
        weight = {
            "hospital": 3, "police": 2, "fire_station": 2, "mall": 4, "market": 4, "airport": 4,
            "university": 3, "mosque": 4, "landmark": 3, "school": 2, "kantor_lurah": 2,
            "government_office": 2, "puskesmas": 3, "clinic": 1, "pharmacy": 1, "bus_stop": 1,
        }  # fmt: skip
        keyed = {
            f["properties"]["uid"]: self.rng.random()
            ** (1 / weight.get(f["properties"]["kind"], 1))
            for f, _ in pool
        }
        for f, _ in pool:  # the landmarks of the brief and the shared sanity routes come first
            if f["properties"]["position"] == "derived" or f["properties"]["name"] in MUST_PLACES:
                keyed[f["properties"]["uid"]] += 1.0
        return sorted(pool, key=lambda fn: -keyed[fn[0]["properties"]["uid"]])

    def landmarks(self, pool: list[tuple[dict, list[str]]]) -> None:
        alone, relative = pool[0::2], pool[1::2]
        for kind, rows in (("landmark", alone), ("landmark_relative", relative)):
            for f, names in rows + (pool if kind == "landmark" else pool[::-1]):
                if self.count(kind) >= PER_KIND[kind]:
                    break
                p = f["properties"]
                lon, lat = f["geometry"]["coordinates"]
                said = self.rng.choice(names)
                if kind == "landmark":
                    query = say(said, self.rng) if self.rng.random() < 0.4 else said
                else:
                    query = f"{self.rng.choice(RELATIVE)} {said}"
                    if self.rng.random() < 0.3:
                        query = query.lower()
                truth = {"type": "point", "wkt": point_wkt(lon, lat)}
                self.add(kind, query, truth, f"{p['uid']} ({p['kind']}, {p['position']})")

    # --- areas --------------------------------------------------------------------------------

    def kelurahan(self) -> None:
        kel = self.d.kel[self.d.kel["label_check"] != "conflict"]
        street_keys = set(self.d.name_owners) | set(self.d.alias_owners)
        kec_keys = {letters(n) for n in self.d.kec["kecamatan"]}
        rows = list(
            zip(kel["nama"], kel["nama_bps"], kel["kecamatan"], kel["kode_kemendagri"], strict=True)
        )
        self.rng.shuffle(rows)
        for nama, bps, kec, code in rows:
            if self.count("kelurahan") >= PER_KIND["kelurahan"]:
                return
            said = bps if bps != nama and self.rng.random() < 0.5 else nama
            forms = [f"kelurahan {said}", f"kel. {said}", f"Kel {said}", f"kel {said} kec {kec}"]
            key = letters(said)
            if key not in street_keys and key not in kec_keys and key not in self.d.place_keys:
                forms += [said, said.lower()]
            truth = {"type": "area", "level": "kelurahan", "code": str(code), "name": str(nama)}
            self.add("kelurahan", self.rng.choice(forms), truth, f"kecamatan {kec}")

    def kecamatan(self) -> None:
        spaced = {
            "Limapuluh": "Lima Puluh",
            "Tuahmadani": "Tuah Madani",
            "Binawidya": "Bina Widya",
            "Marpoyan Damai": "Marpoyan",
            "Tenayan Raya": "Tenayan",
        }
        street_keys = set(self.d.name_owners) | set(self.d.alias_owners)
        kel_keys = {letters(n) for n in self.d.kel["nama"]}
        rows = sorted(zip(self.d.kec["kecamatan"], self.d.kec["kode_kecamatan"], strict=True))
        forms_all = []
        for name, code in rows:
            variants = [name, *([spaced[name]] if name in spaced else [])]
            forms = []
            for v in variants:
                forms += [f"kecamatan {v}", f"kec. {v}", f"Kec {v}", f"kec {v.lower()} pekanbaru"]
                key = letters(v)
                if key not in street_keys and key not in kel_keys and key not in self.d.place_keys:
                    forms.append(f"{v}")
            self.rng.shuffle(forms)
            forms_all.append((name, code, forms))
        index = 0
        while self.count("kecamatan") < PER_KIND["kecamatan"] and index < 10:
            for name, code, forms in forms_all:
                if index < len(forms) and self.count("kecamatan") < PER_KIND["kecamatan"]:
                    truth = {"type": "area", "level": "kecamatan", "code": str(code), "name": name}
                    self.add("kecamatan", forms[index], truth, "")
            index += 1


def main() -> None:
    rng = random.Random(SEED)
    data = Data()
    b = Builder(data, rng)
    pool = b.unique_streets()  # disjoint thirds, each with the same mix of road classes
    b.streets(pool[0::3])
    b.abbreviated(pool[1::3])
    b.misspelt(pool[2::3])
    b.street_kelurahan()
    b.alias()
    b.intersections()
    b.landmarks(b.place_pool())
    b.kelurahan()
    b.kecamatan()
    rng.shuffle(b.items)
    with OUT.open("w", encoding="utf-8") as handle:
        for n, item in enumerate(b.items, start=1):
            handle.write(json.dumps({"id": f"q{n:03d}", **item}, ensure_ascii=False) + "\n")
    counts = Counter(i["kind"] for i in b.items)
    print(f"wrote {len(b.items)} queries to {OUT.relative_to(ROOT)}")
    for kind in PER_KIND:
        print(f"  {kind:18} {counts.get(kind, 0):4d}")


if __name__ == "__main__":
    main()
