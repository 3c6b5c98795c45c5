"""Forward geocoding: what the caller said → ranked candidate points.

1. ``parse_query`` splits the sentence (street/place phrase, area, number, relative word,
   intersection).
2. Candidates come from the gazetteer by trigram similarity (GIN index), then are re-scored in
   Python with rapidfuzz, the kind the caller implied (jalan/gang) and each entry's weight.
3. An area qualifier (explicit "kel. X", or an area name at the end of the phrase) moves each
   street to its part inside that area and penalises streets far from it.
4. Intersections are the crossing points of the two best street candidate sets; relative words
   ("depan", "dekat") widen the uncertainty around the landmark.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.db import connection
from rapidfuzz import fuzz

from geo.geocoding import sql
from geo.geocoding.normalize import ParsedQuery, compact, parse_query

MAX_QUERY_LENGTH = 300
ALL_KINDS = ["street", "place", "kelurahan", "kecamatan"]
AREA_KINDS = ["kelurahan", "kecamatan"]
# Beyond this distance from the named area a street is probably another street of that name.
AREA_SLACK_M = 250.0


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


def _text_score(query: str, key: str, trigram: float) -> float:
    """0–1: how well the key matches what was said (trigram from the database, edit distance
    and token overlap from rapidfuzz)."""
    ratio = fuzz.ratio(query, key) / 100
    tokens = fuzz.token_set_ratio(query, key) / 100
    partial = fuzz.partial_ratio(query, key) / 100 if len(query) >= 4 else ratio
    squashed = fuzz.ratio(compact(query), compact(key)) / 100
    # Same words in another order ("Karya Cipta" / "Cipta Karya") are other streets: below an
    # exact match, like a partial one.
    best = max(ratio, squashed, 0.86 * tokens, 0.85 * partial)
    return 0.35 * trigram + 0.65 * best


def _fetch(q: str, kinds: list[str], n: int) -> list[Candidate]:
    if not q:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql.CANDIDATES, {"q": q, "qc": compact(q), "kinds": kinds, "n": n})
        rows = cursor.fetchall()
    out = []
    for _id, kind, key, label, weight, street_id, place_id, area_id, x, y, unc, sim in rows:
        score = _text_score(q, key, float(sim)) * float(weight)
        out.append(
            Candidate(
                kind=kind,
                label=label,
                score=score,
                lon=x,
                lat=y,
                uncertainty_m=unc,
                matched=key,
                street_id=street_id,
                place_id=place_id,
                area_id=area_id,
            )
        )
    return out


def _best_per_target(candidates: list[Candidate]) -> list[Candidate]:
    best: dict[tuple, Candidate] = {}
    for cand in candidates:
        key = (cand.kind, cand.street_id, cand.place_id, cand.area_id)
        if key not in best or cand.score > best[key].score:
            best[key] = cand
    return sorted(best.values(), key=lambda c: c.score, reverse=True)


def _resolve_area(key: str, level: str | None) -> Candidate | None:
    """The area named "kel. X" / "kec. Y"; a name at the other level is accepted too (callers
    mix them up, and old kecamatan names live on as kelurahan names)."""
    for kinds in ([level], AREA_KINDS) if level else (AREA_KINDS,):
        found = _best_per_target(_fetch(key, kinds, 5))
        if found and found[0].score >= 0.55:
            return found[0]
    return None


def _within_area(streets: list[Candidate], area: Candidate) -> list[Candidate]:
    """Move each street to its part inside the area; penalise streets far from it."""
    if not streets:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            sql.STREETS_IN_AREA,
            {"area": area.area_id, "streets": [c.street_id for c in streets]},
        )
        where = {row[0]: row[1:] for row in cursor.fetchall()}
    out = []
    for cand in streets:
        if cand.street_id not in where:
            continue
        x, y, away_m, inside_m = where[cand.street_id]
        if away_m <= AREA_SLACK_M:
            factor = 1.0 if away_m == 0 else 0.93
        else:
            factor = max(0.3, 0.8 - away_m / 20000)
        unc = min(cand.uncertainty_m, max(50.0, (inside_m or 100.0) / 2))
        out.append(
            replace(
                cand,
                lon=x,
                lat=y,
                score=cand.score * factor,
                uncertainty_m=unc,
                extra={**cand.extra, "area_distance_m": round(away_m, 1)},
            )
        )
    return out


def _streets(key: str, parsed: ParsedQuery, n: int = 12) -> list[Candidate]:
    found = _fetch(key, ["street"], n)
    if parsed.gang_hint:
        for cand in found:
            if not cand.label.startswith("Gg."):
                cand.score *= 0.9
    return _best_per_target(found)


def _intersection(parsed: ParsedQuery) -> list[Candidate]:
    a_key, b_key = parsed.intersection or ("", "")
    # Common names (Damai, Sepakat, Rambutan) exist many times: keep enough of each side that
    # the pair that really crosses is among them.
    a_list, b_list = _streets(a_key, parsed, 40)[:25], _streets(b_key, parsed, 40)[:25]
    if not a_list or not b_list:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            sql.CROSSINGS,
            {
                "a": [c.street_id for c in a_list],
                "b": [c.street_id for c in b_list],
                "tolerance_m": 25.0,
            },
        )
        rows = cursor.fetchall()
    score_a = {c.street_id: c for c in a_list}
    score_b = {c.street_id: c for c in b_list}
    out = []
    for a_id, b_id, x, y in rows:
        a, b = score_a[a_id], score_b[b_id]
        out.append(
            Candidate(
                kind="intersection",
                label=f"Simpang {a.label} – {b.label}",
                score=min(a.score, b.score) * 0.98 + 0.02,
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
    for cand in out:
        pair = (*cand.extra["street_ids"], round(cand.lon, 3), round(cand.lat, 3))
        seen.setdefault(pair, cand)
    return sorted(seen.values(), key=lambda c: c.score, reverse=True)


def _area_inside_phrase(parsed: ParsedQuery) -> tuple[Candidate, str] | None:
    """'durian labuh baru timur': an area name at the end of a longer phrase."""
    words = parsed.main.split()
    if len(words) < 2:
        return None
    with connection.cursor() as cursor:
        cursor.execute(sql.AREAS_INSIDE, {"q": parsed.main})
        rows = cursor.fetchall()
    for _area_id, _kind, key, sim in rows:
        if sim < 0.75:
            continue
        key_words = key.split()
        n = len(key_words)
        tail = " ".join(words[-n:])
        if fuzz.ratio(tail, key) >= 80 and len(words) > n:
            area = _resolve_area(key, None)
            if area is not None:
                return area, " ".join(words[:-n])
    return None


def _relative(parsed: ParsedQuery, found: list[Candidate]) -> list[Candidate]:
    """Landmark + relative word: widen the uncertainty; prefer landmarks near the context street."""
    places = [c for c in found if c.kind == "place"] or found
    if parsed.context and places:
        streets = _streets(parsed.context, parsed)[:3]
        if streets:
            with connection.cursor() as cursor:
                cursor.execute(
                    sql.DISTANCE_TO_STREETS,
                    {
                        "xs": [c.lon for c in places],
                        "ys": [c.lat for c in places],
                        "streets": [s.street_id for s in streets],
                    },
                )
                distance = dict(cursor.fetchall())
            for i, cand in enumerate(places, start=1):
                d = distance.get(i)
                if d is not None and d > 400:
                    cand.score *= max(0.6, 1 - d / 10000)
    out = []
    for cand in places:
        unc = max(cand.uncertainty_m, parsed.relative_m or 0)
        out.append(
            replace(cand, uncertainty_m=unc, extra={**cand.extra, "relative": parsed.relative})
        )
    return out


def _attach_areas(candidates: list[Candidate]) -> None:
    if not candidates:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            sql.AREAS_OF_POINTS,
            {"xs": [c.lon for c in candidates], "ys": [c.lat for c in candidates]},
        )
        for i, kel_code, kel_name, kec_code, kec_name in cursor.fetchall():
            cand = candidates[i - 1]
            cand.kelurahan = {"code": kel_code, "name": kel_name} if kel_code else None
            cand.kecamatan = {"code": kec_code, "name": kec_name} if kec_code else None


def _address_label(cand: Candidate, parsed: ParsedQuery) -> str:
    label = cand.label
    if cand.kind == "street" and parsed.house_number:
        label += f" No. {parsed.house_number}"
    if cand.kind in ("street", "intersection", "place") and cand.kelurahan:
        label += f", Kel. {cand.kelurahan['name']}"
        if cand.kecamatan:
            label += f", Kec. {cand.kecamatan['name']}"
    return label


def geocode(text: str, limit: int = 5) -> tuple[ParsedQuery, list[Candidate]]:
    """Ranked candidates for what the caller said (best first, at most ``limit``)."""
    parsed = parse_query(text)
    results: list[Candidate] = []

    if parsed.intersection:
        results = _intersection(parsed)
        if not results:  # not crossing: fall back to the first street
            results = _streets(parsed.intersection[0], parsed)
            for cand in results:
                cand.score *= 0.7

    area = None
    main = parsed.main
    whole: list[Candidate] = []
    if not results and parsed.area:
        area = _resolve_area(parsed.area, parsed.area_level)
    if not results and area is None and not parsed.relative:
        # "durian labuh baru timur": an area name at the end narrows the street, unless the
        # whole phrase is itself a name ("Kantor Lurah Kampung Bandar").
        whole = _fetch(main, ALL_KINDS, 20) if main else []
        if not whole or max(c.score for c in whole) < 0.9:
            split = _area_inside_phrase(parsed)
            if split is not None:
                area, main = split
                whole = []

    if not results:
        if main:
            kinds = ["place"] if parsed.relative else ALL_KINDS
            found = whole if whole else _fetch(main, kinds, 40 if area else 20)
            if parsed.relative and not found:
                found = _fetch(main, ALL_KINDS, 20)
            if parsed.street_hint:
                for cand in found:
                    if cand.kind != "street":
                        cand.score *= 0.8
            found = _best_per_target(found)
            if area is not None:
                streets = _within_area([c for c in found if c.kind == "street"], area)
                others = [c for c in found if c.kind != "street"]
                found = sorted([*streets, *others], key=lambda c: c.score, reverse=True)
            if parsed.relative:
                found = _relative(parsed, found)
            results = found
        elif area is not None:
            results = [area]

    results = _best_per_target(results)[:limit]
    _attach_areas(results)
    for cand in results:
        cand.label = _address_label(cand, parsed)
        cand.score = round(min(1.0, max(0.0, cand.score)), 3)
    return parsed, results
