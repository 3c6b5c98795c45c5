"""Forward geocoding: what the caller said → ranked candidate points.

1. ``parse_query`` splits the sentence (street/place phrase, area, number, relative word,
   intersection).
2. The area ("kel. X", or an area name at the end of the phrase) is resolved in memory
   (geo.geocoding.areas: the ~135 area names and 83 kelurahan polygons, versioned).
3. One prepared statement (geo.geocoding.sql.FORWARD) fetches the candidates of every phrase by
   trigram similarity (GIN indexes), the part of each street inside the named area, the
   crossings of the two streets of an intersection, the distance of landmarks to a context
   street, and the gazetteer's version.
4. Candidates are re-scored in Python with rapidfuzz, the kind the caller implied
   (jalan/gang), branch numerals (II, 3) and each entry's weight; streets far from the named
   area are penalised; relative words ("depan", "dekat") widen the uncertainty.
5. The kelurahan and kecamatan of each result come from the in-memory polygons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from django.db import connection

from geo.geocoding import areas, prepared, sql
from geo.geocoding.areas import AreaIndex, AreaMatch
from geo.geocoding.normalize import ParsedQuery, compact, parse_query
from geo.geocoding.scoring import text_score

MAX_QUERY_LENGTH = 300
ALL_KINDS = ["street", "place", "kelurahan", "kecamatan"]
# Beyond this distance from the named area a street is probably another street of that name.
AREA_SLACK_M = 250.0
# Rows per phrase: a plain phrase; a phrase narrowed to an area (the right street may rank
# lower by name); each side of an intersection (common names such as Damai, Sepakat, Rambutan
# exist many times: keep enough that the pair that really crosses is among them).
ROWS = 20
ROWS_IN_AREA = 40
ROWS_CROSSING = 40
CROSSING_SIDE = 25
CONTEXT_ROWS = 12
# A whole phrase that matches a name this well is that name, not "street + area name".
WHOLE_NAME_SCORE = 0.9
_NUMERAL = re.compile(r"^\d+[a-z]?$")
# Words that say what kind of place follows ("kantor lurah", "polsek", "puskesmas"): before an
# area name they make a landmark's name, not a street narrowed to that area.
PLACE_KIND_WORDS = frozenset(
    {
        "kantor",
        "lurah",
        "kelurahan",
        "camat",
        "kecamatan",
        "polsek",
        "polres",
        "koramil",
        "puskesmas",
        "pustu",
        "pasar",
        "masjid",
        "mesjid",
        "sd",
        "sdn",
        "smp",
        "smpn",
        "sma",
        "sman",
        "smk",
        "smkn",
        "rs",
        "rsud",
        "klinik",
        "halte",
        "terminal",
        "kua",
        "balai",
        "pos",
        "damkar",
    }
)


@dataclass
class Candidate:
    kind: str  # street | intersection | place | kelurahan | kecamatan
    label: str
    score: float
    lon: float
    lat: float
    uncertainty_m: float
    matched: str = ""
    street_id: int | None = None
    place_id: int | None = None
    area_id: int | None = None
    kelurahan: dict | None = None
    kecamatan: dict | None = None
    extra: dict = field(default_factory=dict)
    weight: float = 1.0
    name_score: float = 0.0  # text × weight, before hints and area factors
    length_gap: int = 0  # letters between the name and what was said (breaks ties)

    @property
    def target(self) -> tuple:
        return (
            self.kind,
            self.street_id,
            self.place_id,
            self.area_id,
            round(self.lon, 4),
            round(self.lat, 4),
        )


@dataclass
class Branch:
    """One phrase to look up in the forward statement."""

    phrase: str
    kinds: list[str]
    n: int
    prefer: str | None = None  # a kind ranked first (landmarks after a relative word)
    area: AreaMatch | None = None  # narrow streets to this area


@dataclass
class Lookup:
    candidates: list[list[Candidate]]  # per branch, in the statement's order
    crossings: list[tuple[int, int, float, float, bool]]
    version: int


def _numeral_factor(query: str, key: str) -> float:
    """Branch numerals tell streets apart ("Kuantan 7" is not "Kuantan 6", "A. Yani 1" not
    "A. Yani"): a numeral said that the name lacks or contradicts costs a little."""
    said, name = query.split()[-1:], key.split()[-1:]
    said_n = said[0] if said and _NUMERAL.match(said[0]) else None
    name_n = name[0] if name and _NUMERAL.match(name[0]) else None
    if said_n and said_n != name_n:
        return 0.92
    if name_n and not said_n:
        return 0.96
    return 1.0


def _candidate(branch: Branch, row: tuple) -> Candidate:
    (_r, _b, kind, key, label, weight, street_id, place_id, area_id, x, y, unc, sim) = row[:13]
    ax, ay, away_m, inside_m, context_m = row[13:]
    name_score = text_score(branch.phrase, key, float(sim)) * float(weight)
    cand = Candidate(
        kind=kind,
        label=label,
        score=name_score * _numeral_factor(branch.phrase, key),
        lon=x,
        lat=y,
        uncertainty_m=unc,
        matched=key,
        street_id=street_id,
        place_id=place_id,
        area_id=area_id,
        weight=float(weight),
        name_score=name_score,
        length_gap=abs(len(key) - len(branch.phrase)),
    )
    if context_m is not None:
        cand.extra["context_m"] = float(context_m)
    if branch.area is not None and kind == "street" and ax is not None:
        # The part of the street inside the area; streets far from it are probably others.
        if away_m <= AREA_SLACK_M:
            factor = 1.0 if away_m == 0 else 0.93
        else:
            factor = max(0.3, 0.8 - away_m / 20000)
        cand.lon, cand.lat = ax, ay
        cand.score *= factor
        cand.uncertainty_m = min(unc, max(50.0, (inside_m or 100.0) / 2))
        cand.extra["area_distance_m"] = round(away_m, 1)
    return cand


def _lookup(branches: list[Branch], crossings: bool = False, context: int = 0) -> Lookup:
    args = [
        [b.phrase for b in branches],
        [compact(b.phrase) for b in branches],
        [",".join(b.kinds) for b in branches],
        [b.prefer for b in branches],
        [b.n for b in branches],
        [b.area.entry.area_id if b.area else None for b in branches],
        crossings,
        context,
    ]
    with connection.cursor() as cursor:
        prepared.execute(cursor, sql.FORWARD, args)
        rows = cursor.fetchall()
    out = Lookup([[] for _ in branches], [], 0)
    for row in rows:
        if row[0] == "c":
            out.candidates[row[1] - 1].append(_candidate(branches[row[1] - 1], row))
        elif row[0] == "x":
            out.crossings.append((row[6], row[7], row[9], row[10], bool(row[12])))
        else:
            out.version = row[6] or 0
    return out


def _best_per_target(candidates: list[Candidate]) -> list[Candidate]:
    """One candidate per street, place or area (its best-scoring name); crossings per street
    pair and point."""
    best: dict[tuple, Candidate] = {}
    for cand in candidates:
        if cand.kind == "intersection":
            key = cand.target + tuple(cand.extra.get("street_ids", ()))
        else:
            key = (cand.kind, cand.street_id, cand.place_id, cand.area_id)
        if key not in best or cand.score > best[key].score:
            best[key] = cand
    return sorted(best.values(), key=_rank)


def _rank(cand: Candidate) -> tuple:
    """Best first; on equal scores, the name closest in length to what was said."""
    return (-round(cand.score, 6), cand.length_gap)


def _is_gang(cand: Candidate) -> bool:
    return cand.label.startswith("Gg.") or "(Gg." in cand.label


def _hints(found: list[Candidate], parsed: ParsedQuery) -> list[Candidate]:
    """What the caller's words imply: "jalan" → a street; "gang" → a gang, whose small road
    class should then not count against it."""
    for cand in found:
        if parsed.street_hint and cand.kind != "street":
            cand.score *= 0.8
        if parsed.gang_hint and cand.kind == "street":
            if _is_gang(cand):
                cand.score *= max(cand.weight, 0.97) / cand.weight
            else:
                cand.score *= 0.9
    return found


def _streets(found: list[Candidate], parsed: ParsedQuery) -> list[Candidate]:
    if parsed.gang_hint:
        for cand in found:
            if not _is_gang(cand):
                cand.score *= 0.9
    return _best_per_target(found)


def _intersection(parsed: ParsedQuery, lookup: Lookup) -> list[Candidate]:
    a_list = _streets(lookup.candidates[0], parsed)[:CROSSING_SIDE]
    b_list = _streets(lookup.candidates[1], parsed)[:CROSSING_SIDE]
    score_a = {c.street_id: c for c in a_list}
    score_b = {c.street_id: c for c in b_list}
    out = []
    for a_id, b_id, x, y, meet in lookup.crossings:
        if a_id not in score_a or b_id not in score_b:
            continue
        a, b = score_a[a_id], score_b[b_id]
        # Streets that do not meet in the road graph there (a bridge, unnoded data, a near
        # miss) rank below a real crossing.
        near_miss = 1.0 if meet else 0.97
        out.append(
            Candidate(
                kind="intersection",
                label=f"Simpang {a.label} – {b.label}",
                score=(min(a.score, b.score) * 0.98 + 0.02) * near_miss,
                lon=x,
                lat=y,
                uncertainty_m=30.0,
                matched=f"{a.matched} × {b.matched}",
                street_id=a_id,
                extra={"streets": [a.label, b.label], "street_ids": [a_id, b_id]},
            )
        )
    # One crossing per street pair: the first point (pairs that cross twice stay distinct
    # only when far apart).
    seen: dict[tuple, Candidate] = {}
    for cand in sorted(out, key=lambda c: c.score, reverse=True):
        pair = (*cand.extra["street_ids"], round(cand.lon, 3), round(cand.lat, 3))
        seen.setdefault(pair, cand)
    results = sorted(seen.values(), key=lambda c: c.score, reverse=True)
    if not results:  # not crossing: fall back to the first street
        results = a_list
        for cand in results:
            cand.score *= 0.7
    return results


def _relative(parsed: ParsedQuery, found: list[Candidate]) -> list[Candidate]:
    """Landmark + relative word: widen the uncertainty; prefer landmarks near the context street."""
    places = [c for c in found if c.kind == "place"] or found
    out = []
    for cand in places:
        d = cand.extra.pop("context_m", None)
        if d is not None and d > 400:
            cand.score *= max(0.6, 1 - d / 10000)
        unc = max(cand.uncertainty_m, parsed.relative_m or 0)
        out.append(
            replace(cand, uncertainty_m=unc, extra={**cand.extra, "relative": parsed.relative})
        )
    return out


def _area_candidate(area: AreaMatch) -> Candidate:
    e = area.entry
    return Candidate(
        kind=e.kind,
        label=e.label,
        score=area.score,
        lon=e.lon,
        lat=e.lat,
        uncertainty_m=e.uncertainty_m,
        matched=e.key,
        area_id=e.area_id,
        weight=e.weight,
        name_score=area.score,
    )


def _names_a_kind_of_place(phrase: str) -> bool:
    words = phrase.split()
    return bool(words) and all(w in PLACE_KIND_WORDS for w in words)


def _resolve_area(parsed: ParsedQuery, index: AreaIndex) -> AreaMatch | None:
    if not parsed.area:
        return None
    found = [index.resolve(parsed.area, parsed.area_level)]
    if parsed.area_said and parsed.area_said != parsed.area:
        found.append(index.resolve(parsed.area_said, parsed.area_level))
    found = [m for m in found if m is not None]
    return max(found, key=lambda m: m.score) if found else None


def _plan(parsed: ParsedQuery, index: AreaIndex) -> tuple[list[Branch], dict]:
    """The phrases to look up, and how to read the answer."""
    if parsed.intersection:
        a, b = parsed.intersection
        branches = [Branch(a, ["street"], ROWS_CROSSING), Branch(b, ["street"], ROWS_CROSSING)]
        return branches, {"intersection": True}
    area = _resolve_area(parsed, index)
    main = parsed.main
    if not main:
        return [], {"area": area}
    if parsed.relative:
        branches = [Branch(main, ALL_KINDS, ROWS, prefer="place")]
        if parsed.context:
            branches.append(Branch(parsed.context, ["street"], CONTEXT_ROWS))
        return branches, {"relative": True, "context": 2 if parsed.context else 0}
    # "durian labuh baru timur", "setia maharaja, tangkerang selatan, kec. bukit raya": a
    # kelurahan (or, with no marker at all, a kecamatan) named at the end of the phrase narrows
    # the street, unless the whole phrase is itself a name ("Kantor Lurah Kampung Bandar").
    tail = None
    if area is None:
        tail = index.tail(main)
    elif area.entry.kind == "kecamatan":
        tail = index.tail(main, kinds=("kelurahan",))
    if tail is not None and not parsed.street_hint and _names_a_kind_of_place(tail[1]):
        tail = None  # "kantor lurah Kulim", "puskesmas Rejosari": a landmark named after its area
    rows = ROWS_IN_AREA if area else ROWS
    branches = [Branch(main, ALL_KINDS, rows, area=area)]
    if tail is not None:
        tail_area, rest = tail
        branches.append(Branch(rest, ALL_KINDS, ROWS_IN_AREA, area=tail_area))
    return branches, {"area": area}


def _attach_areas(candidates: list[Candidate], index: AreaIndex) -> None:
    located = index.locate_many([(c.lon, c.lat) for c in candidates])
    for cand, (kel, kec) in zip(candidates, located, strict=True):
        cand.kelurahan, cand.kecamatan = kel, kec


def _address_label(cand: Candidate, parsed: ParsedQuery) -> str:
    label = cand.label
    if cand.kind == "street" and parsed.house_number:
        label += f" No. {parsed.house_number}"
    if cand.kind in ("street", "intersection", "place") and cand.kelurahan:
        label += f", Kel. {cand.kelurahan['name']}"
        if cand.kecamatan:
            label += f", Kec. {cand.kecamatan['name']}"
    return label


def _answer(parsed: ParsedQuery, branches: list[Branch], how: dict, lookup: Lookup):
    if how.get("intersection"):
        return _intersection(parsed, lookup)
    if not branches:
        area = how.get("area")
        return [_area_candidate(area)] if area is not None else []
    found = lookup.candidates[0]
    # The whole phrase, or the phrase before the area name at its end.
    split = len(branches) == 2 and not how.get("relative")
    if split and (not found or max(c.name_score for c in found) < WHOLE_NAME_SCORE):
        found = lookup.candidates[1]
    found = _best_per_target(_hints(found, parsed))
    if how.get("relative"):
        found = _relative(parsed, found)
    return found


def geocode(text: str, limit: int = 5) -> tuple[ParsedQuery, list[Candidate]]:
    """Ranked candidates for what the caller said (best first, at most ``limit``)."""
    parsed = parse_query(text)
    for _attempt in range(2):
        index = areas.index()
        branches, how = _plan(parsed, index)
        lookup = _lookup(branches, how.get("intersection", False), how.get("context", 0))
        if lookup.version == index.version or not areas.refresh(lookup.version):
            break  # the in-memory areas are those of this gazetteer
    results = _best_per_target(_answer(parsed, branches, how, lookup))[:limit]
    _attach_areas(results, index)
    for cand in results:
        cand.label = _address_label(cand, parsed)
        cand.score = round(min(1.0, max(0.0, cand.score)), 3)
    return parsed, results
