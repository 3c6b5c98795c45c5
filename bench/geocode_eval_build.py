#!/usr/bin/env python
"""Build bench/geocode_eval.jsonl: a labelled set of queries said the ways Pekanbaru callers say
them, with the true geometry of each, from the loaded reference data (run after load_pekanbaru).

Kinds: street, street_kelurahan (street + number/RT-RW + kelurahan), abbreviated, misspelt,
alias, intersection, landmark, landmark_relative, kelurahan, kecamatan. Seeded: the same data
gives the same set.

Scoring (bench_geocode.py): top-1 correct when the first result lies within ``tolerance_m`` of
the truth line/point, or inside the truth area; top-5 when any of the first five does.

    DEBUG=1 .venv/bin/python bench/geocode_eval_build.py
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
OUT = Path(__file__).with_name("geocode_eval.jsonl")
PREFIXES = ["Jl.", "jl", "Jln.", "jalan", "Jalan", "JL."]
RELATIVE = ["depan", "dekat", "samping", "belakang", "seberang"]


def typo(word: str, rng: random.Random) -> str:
    """One realistic slip: a dropped, doubled or swapped letter, or a vowel swap."""
    if len(word) < 6:
        return word
    i = rng.randrange(1, len(word) - 2)
    kind = rng.choice(["drop", "double", "swap", "vowel"])
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    vowels = {"a": "e", "e": "a", "i": "e", "o": "u", "u": "o"}
    j = next((k for k in range(i, len(word)) if word[k] in vowels), None)
    return word if j is None else word[:j] + vowels[word[j]] + word[j + 1 :]


def main() -> None:
    import django

    django.setup()
    from django.db import connection

    from geo.geocoding.normalize import name_key
    from geo.models import AdminArea, Place, Street

    rng = random.Random(112)
    items: list[dict] = []

    def add(query, kind, truth, note=""):
        items.append(
            {"query": query, "kind": kind, "truth": truth, "tolerance_m": 150, "note": note}
        )

    # Streets whose name is unique in the city (one street row), named, length >= 300 m.
    named = {}
    for s in Street.objects.exclude(road_class="gang").filter(length_m__gte=300):
        named.setdefault(s.name.lower(), []).append(s)
    unique = [
        v[0]
        for v in named.values()
        if len(v) == 1 and not any(c.isdigit() for c in v[0].name) and len(v[0].name) >= 4
    ]
    unique.sort(key=lambda s: s.name)
    rng.shuffle(unique)
    for s in unique[:45]:
        add(f"{rng.choice(PREFIXES)} {s.name}", "street", {"type": "line", "wkt": s.geom.wkt})
    for s in unique[45:85]:
        word = max(s.name.split(), key=len)
        add(
            f"{rng.choice(PREFIXES)} {s.name.replace(word, typo(word.lower(), rng))}",
            "misspelt",
            {"type": "line", "wkt": s.geom.wkt},
            s.name,
        )
    for s in unique[85:120]:
        number = rng.randint(1, 250)
        form = rng.choice(
            [
                f"Jln. {s.name} No. {number}",
                f"jl {s.name} no{number} rt 02 rw 05",
                f"Jalan {s.name} nomor {number}",
            ]
        )
        add(form, "abbreviated", {"type": "line", "wkt": s.geom.wkt})

    # Street + kelurahan: the part of the street inside the kelurahan (>= 150 m inside).
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT s.name, k.name, ST_AsText(ST_Multi(ST_CollectionExtract(
                       ST_Intersection(s.geom, k.geom), 2)))
            FROM geo_street s JOIN geo_adminarea k
              ON k.level = 'kelurahan' AND ST_Intersects(s.geom, k.geom)
            WHERE s.road_class <> 'gang' AND s.name !~ '[0-9]'
              AND ST_Length(ST_Intersection(s.geom, k.geom)::geography) >= 150
            ORDER BY s.name, k.name""")
        rows = cursor.fetchall()
    rng.shuffle(rows)
    for name, kel, wkt in rows[:45]:
        form = rng.choice(
            [
                f"Jl. {name} kel. {kel}",
                f"jalan {name.lower()} kelurahan {kel}",
                f"{name} No. {rng.randint(1, 99)}, Kel. {kel}",
            ]
        )
        add(form, "street_kelurahan", {"type": "line", "wkt": wkt})

    # Aliases.
    for s in Street.objects.exclude(aliases=[]).order_by("name"):
        for alias in s.aliases:
            if len(named.get(name_key(alias), [])) != 1:
                continue  # another street has this name too: no single right answer
            add(f"{rng.choice(PREFIXES)} {alias}", "alias", {"type": "line", "wkt": s.geom.wkt})

    # Intersections of two uniquely named arterial/collector streets that cross once.
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT a.name, b.name, ST_AsText(ST_PointOnSurface(ST_Intersection(a.geom, b.geom)))
            FROM geo_street a JOIN geo_street b
              ON a.id < b.id AND ST_Intersects(a.geom, b.geom) AND lower(a.name) <> lower(b.name)
            WHERE a.road_class IN ('arteri', 'kolektor') AND b.road_class IN ('arteri', 'kolektor')
              AND ST_NumGeometries(ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 1)) = 1
              AND a.name !~ '[0-9]' AND b.name !~ '[0-9]'
            ORDER BY a.name, b.name""")
        crossings = [
            r
            for r in cursor.fetchall()
            if len(named.get(r[0].lower(), [])) == 1 and len(named.get(r[1].lower(), [])) == 1
        ]
    rng.shuffle(crossings)
    forms = [
        "simpang Jl. {a} dan Jl. {b}",
        "perempatan {a} - {b}",
        "pertigaan jalan {a} jalan {b}",
        "simpang {a} x {b}",
        "persimpangan jl {a} / jl {b}",
    ]
    for a, b, wkt in crossings[:40]:
        add(rng.choice(forms).format(a=a, b=b), "intersection", {"type": "point", "wkt": wkt})

    # Landmarks, alone and with relative words.
    places = list(Place.objects.exclude(kind__in=["pharmacy", "bus_stop"]).order_by("uid"))
    seen = {}
    for p in places:
        seen.setdefault(p.name.lower(), []).append(p)
    places = [p for p in places if len(seen[p.name.lower()]) == 1]
    rng.shuffle(places)
    for p in places[:40]:
        said = rng.choice([p.name, *p.aliases]) if p.aliases else p.name
        add(said, "landmark", {"type": "point", "wkt": p.point.wkt})
    for p in places[40:85]:
        said = rng.choice([p.name, *p.aliases]) if p.aliases else p.name
        add(
            f"{rng.choice(RELATIVE)} {said}",
            "landmark_relative",
            {"type": "point", "wkt": p.point.wkt},
        )

    # Areas.
    for a in AdminArea.objects.kelurahan().order_by("code"):
        said = rng.choice([a.name, *a.aliases])
        form = rng.choice([f"kelurahan {said}", f"kel. {said}", f"Kel {said}"])
        add(
            form,
            "kelurahan",
            {"type": "area", "level": "kelurahan", "code": a.code, "name": a.name},
        )
    for a in AdminArea.objects.kecamatan().order_by("code"):
        add(
            rng.choice([f"kecamatan {a.name}", f"kec. {a.name}"]),
            "kecamatan",
            {"type": "area", "level": "kecamatan", "code": a.code, "name": a.name},
        )

    rng.shuffle(items)
    with OUT.open("w") as handle:
        for n, item in enumerate(items, start=1):
            handle.write(json.dumps({"id": f"q{n:03d}", **item}, ensure_ascii=False) + "\n")
    counts: dict[str, int] = {}
    for item in items:
        counts[item["kind"]] = counts.get(item["kind"], 0) + 1
    print(f"wrote {len(items)} queries: {counts}")


if __name__ == "__main__":
    main()
