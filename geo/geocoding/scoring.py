"""Text scores shared by the geocoder: pg_trgm's similarity in Python, and the re-ranker.

The database finds candidates by trigram similarity (pg_trgm, GIN indexes); names held in
memory (geo.geocoding.areas) are matched by the same rule here, and every candidate, from either
place, is scored by ``text_score``.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from geo.geocoding.normalize import compact

# pg_trgm.similarity_threshold set per connection (geo.apps): names below it are not candidates.
SIMILARITY_THRESHOLD = 0.25
WORD_SIMILARITY_THRESHOLD = 0.5


def trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams: each word padded with two spaces before and one after."""
    grams: set[str] = set()
    for word in text.split():
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def set_similarity(ta: set[str], tb: set[str]) -> float:
    """pg_trgm's similarity of two trigram sets: shared / all."""
    if not ta or not tb:
        return 0.0
    common = len(ta & tb)
    return common / (len(ta) + len(tb) - common)


def similarity(a: str, b: str) -> float:
    return set_similarity(trigrams(a), trigrams(b))


def word_runs(name: str) -> list[set[str]]:
    """The trigram sets of every run of whole words of a name (for ``word_similarity``)."""
    words = name.split()
    return [
        trigrams(" ".join(words[i:j]))
        for i in range(len(words))
        for j in range(i + 1, len(words) + 1)
    ]


def runs_similarity(tq: set[str], runs: list[set[str]]) -> float:
    """The share of the query's trigrams found in the best run of words of a name: pg_trgm's
    word_similarity works on trigram extents; whole-word runs are close enough for names."""
    if not tq:
        return 0.0
    return max((len(tq & run) / len(tq) for run in runs), default=0.0)


def word_similarity(query: str, name: str) -> float:
    return runs_similarity(trigrams(query), word_runs(name))


def text_score(query: str, key: str, trigram: float) -> float:
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
