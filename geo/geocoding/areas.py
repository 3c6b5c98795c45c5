"""The kelurahan/kecamatan names and polygons, held in process memory for the geocoder.

There are about 135 area names and 83 kelurahan polygons, and they change only when a layer is
imported: reading them from the database on every query (to resolve "kel. X", to find an area
name at the end of a phrase, to say which kelurahan a result lies in) cost three statements
per geocode. The copy is stamped with the gazetteer's version (its highest entry id: a rebuild
inserts new rows, so the id grows, and a rolled-back rebuild takes it back). The forward
statement returns the current version with its rows; when it differs, the copy is reloaded and
the query answered again (geo.geocoding.forward).

Names are matched like the database does (pg_trgm's similarity on padded word trigrams, here in
Python) and re-scored with the same rapidfuzz scorer as the candidates from the database.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import shapely
from django.db import connection
from rapidfuzz import fuzz

from geo.geocoding import sql
from geo.geocoding.normalize import compact
from geo.geocoding.scoring import (
    SIMILARITY_THRESHOLD,
    WORD_SIMILARITY_THRESHOLD,
    runs_similarity,
    set_similarity,
    text_score,
    trigrams,
    word_runs,
)

ACCEPT_SCORE = 0.55  # an area named with a marker must score at least this
RESOLVED_CACHE = 4096  # names already resolved (callers repeat the same few hundred)


@dataclass(frozen=True)
class AreaName:
    area_id: int
    kind: str  # kelurahan | kecamatan
    key: str
    label: str
    weight: float
    lon: float
    lat: float
    uncertainty_m: float
    code: str
    name: str
    parent_id: int | None


@dataclass(frozen=True)
class AreaMatch:
    entry: AreaName
    score: float


class AreaIndex:
    def __init__(self, version: int, names: list[AreaName], kelurahan: list[tuple]):
        self.version = version
        self.names = names
        # Trigrams of each name, its space-less form and its runs of words, computed once.
        self._grams = [(trigrams(n.key), trigrams(compact(n.key)), word_runs(n.key)) for n in names]
        self._resolved: dict[tuple, AreaMatch | None] = {}
        # Kelurahan polygons for "which kelurahan is this point in".
        self._kel_ids = [row[0] for row in kelurahan]
        self._kel_info = {row[0]: row for row in kelurahan}
        geoms = [shapely.from_wkb(bytes(row[5])) for row in kelurahan]
        for geom in geoms:
            shapely.prepare(geom)
        self._tree = shapely.STRtree(geoms)
        self._geoms = geoms

    # --- names --------------------------------------------------------------------------------

    def matches(self, key: str, kinds: tuple[str, ...]) -> list[AreaMatch]:
        """Area names like ``key`` (the database's candidate rule, then the shared scorer)."""
        if not key:
            return []
        tq, tqc = trigrams(key), trigrams(compact(key))
        out = []
        for entry, (tk, tc, runs) in zip(self.names, self._grams, strict=True):
            if entry.kind not in kinds:
                continue
            sim = set_similarity(tk, tq)
            word = runs_similarity(tq, runs)
            squashed = set_similarity(tc, tqc)
            if (
                sim < SIMILARITY_THRESHOLD
                and word < WORD_SIMILARITY_THRESHOLD
                and squashed < SIMILARITY_THRESHOLD
            ):
                continue
            score = text_score(key, entry.key, max(sim, word, squashed)) * entry.weight
            out.append(AreaMatch(entry, score))
        return sorted(out, key=lambda m: m.score, reverse=True)

    def resolve(self, key: str, level: str | None) -> AreaMatch | None:
        """The area named "kel. X" / "kec. Y"; a name at the other level is accepted too
        (callers mix them up, and old kecamatan names live on as kelurahan names)."""
        if (key, level) in self._resolved:
            return self._resolved[(key, level)]
        both = ("kelurahan", "kecamatan")
        found = None
        for kinds in ((level,), both) if level else (both,):
            matches = self.matches(key, kinds)
            if matches and matches[0].score >= ACCEPT_SCORE:
                found = matches[0]
                break
        if len(self._resolved) > RESOLVED_CACHE:
            self._resolved.clear()
        self._resolved[(key, level)] = found
        return found

    def tail(self, phrase: str, kinds=("kelurahan", "kecamatan")) -> tuple[AreaMatch, str] | None:
        """'durian labuh baru timur': an area name at the end of a longer phrase, and the rest."""
        words = phrase.split()
        best: tuple[int, int, AreaName] | None = None
        for entry in self.names:
            if entry.kind not in kinds:
                continue
            n = len(entry.key.split())
            if len(words) <= n:
                continue
            ratio = fuzz.ratio(" ".join(words[-n:]), entry.key)
            if ratio >= 80 and (best is None or (ratio, n) > best[:2]):
                best = (ratio, n, entry)
        if best is None:
            return None
        area = self.resolve(best[2].key, None)
        if area is None:
            return None
        return area, " ".join(words[: -best[1]])

    # --- points -----------------------------------------------------------------------------

    def locate(self, lon: float, lat: float) -> tuple[dict | None, dict | None]:
        """({code, name} of the kelurahan, of its kecamatan) at a point, or None outside."""
        return self.locate_many([(lon, lat)])[0]

    def locate_many(self, points: list[tuple[float, float]]) -> list[tuple]:
        """``locate`` for several (lon, lat) points in one query of the polygon tree."""
        out: list[tuple] = [(None, None)] * len(points)
        if not points:
            return out
        found = self._tree.query(shapely.points(points), predicate="intersects")
        # (point index, polygon index) pairs; on a shared boundary the first polygon (by code).
        for p, i in sorted(zip(found[0].tolist(), found[1].tolist(), strict=True), reverse=True):
            _id, code, name, kec_code, kec_name, _wkb = self._kel_info[self._kel_ids[i]]
            kec = {"code": kec_code, "name": kec_name} if kec_code else None
            out[p] = ({"code": code, "name": name}, kec)
        return out


_lock = threading.Lock()
_index: AreaIndex | None = None


def _load() -> AreaIndex:
    with connection.cursor() as cursor:
        cursor.execute(sql.AREA_NAMES)
        rows = cursor.fetchall()
        cursor.execute(sql.KELURAHAN_POLYGONS)
        kelurahan = cursor.fetchall()
        cursor.execute(sql.GAZETTEER_VERSION)
        (version,) = cursor.fetchone()
    names = [AreaName(*row) for row in rows]
    return AreaIndex(version or 0, names, kelurahan)


def index() -> AreaIndex:
    """The cached index (loaded on first use)."""
    global _index
    with _lock:
        if _index is None:
            _index = _load()
        return _index


def refresh(version: int | None) -> bool:
    """Reload when the database's gazetteer version differs from the cached one; True if it
    did."""
    global _index
    with _lock:
        if _index is not None and _index.version == (version or 0):
            return False
        _index = _load()
        return True


def invalidate() -> None:
    global _index
    with _lock:
        _index = None
