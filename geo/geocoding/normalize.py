"""Normalising what callers say into search keys and a parsed query.

Two jobs, both pure Python:
- ``name_key(text)``: the key a name is indexed and matched by. Lower case, no accents or
  punctuation, street prefixes and honorific titles dropped, old spellings folded (oe→u, dj→j,
  tj→c, ch→kh), doubled letters collapsed. "Jl. Jend. Sudirman" and "jalan sudirman" both give
  "sudirman"; "Kaharudin" and "Kaharuddin" meet.
- ``parse_query(text)``: splits a caller's sentence into its parts: the main phrase, an area
  qualifier (kelurahan/kecamatan), a house number, RT/RW, a relative word (depan, dekat…) and,
  for "simpang A dan B", the two streets of an intersection.
See ../shared/REFERENCE.md §3 for the habits this follows.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# Tokens that say "this is a street" and carry no name.
STREET_PREFIXES = frozenset(
    {"jl", "jln", "jlan", "jalan", "jaln", "gg", "gang", "lr", "lrg", "lorong", "jl.raya"}
)
GANG_PREFIXES = frozenset({"gg", "gang", "lr", "lrg", "lorong"})
# Honorifics and ranks that callers and the register use or drop at will.
TITLES = frozenset(
    {
        "jend",
        "jendral",
        "jenderal",
        "jen",
        "h",
        "hj",
        "haji",
        "hr",
        "dr",
        "drs",
        "ir",
        "kh",
        "k.h",
        "prof",
        "letjen",
        "mayjen",
        "brigjen",
        "marsda",
        "laksda",
        "kol",
        "kolonel",
        "kapt",
        "kapten",
        "lettu",
        "letda",
        "sersan",
        "serma",
        "mr",
        "st",
        "sh",
        "dt",
        "datuk",
        "tgk",
        "t",
        "tengku",
        "tuan",
    }
)
# "Tengku"/"Tuanku" are part of names (Tengku Bey, Tuanku Tambusai): keep "tuanku".
TITLES = TITLES - {"tuanku"}
RELATIVE_WORDS = {
    # word: (meaning, how far from the landmark the caller probably is, metres)
    "depan": ("in_front_of", 60.0),
    "dpn": ("in_front_of", 60.0),
    "seberang": ("across_from", 80.0),
    "sebrang": ("across_from", 80.0),
    "samping": ("beside", 80.0),
    "sebelah": ("beside", 80.0),
    "disamping": ("beside", 80.0),
    "belakang": ("behind", 150.0),
    "blkg": ("behind", 150.0),
    "dekat": ("near", 300.0),
    "dkt": ("near", 300.0),
    "sekitar": ("near", 300.0),
    "arah": ("towards", 500.0),
    "ujung": ("end_of", 100.0),
}
AREA_MARKERS = {
    "kel": "kelurahan",
    "kelurahan": "kelurahan",
    "desa": "kelurahan",
    "ds": "kelurahan",
    "kec": "kecamatan",
    "kecamatan": "kecamatan",
    "kecmatan": "kecamatan",
}
INTERSECTION_WORDS = frozenset(
    {"simpang", "simp", "smpg", "perempatan", "prapatan", "pertigaan", "persimpangan", "simpangan"}
)
INTERSECTION_SEPARATORS = re.compile(
    r"\s+(?:dan|dgn|dengan|x|&|-|–|/|sama|ke)\s+|\s*[–/&]\s*|\s+-\s*|\s*-\s+"
)
FILLERS = frozenset(
    {
        "di",
        "dijalan",
        "dijl",
        "daerah",
        "kawasan",
        "sekitaran",
        "area",
        "lokasi",
        "alamat",
        "pak",
        "bu",
        "tolong",
        "ada",
        "yang",
        "itu",
        "ini",
        "nya",
        "komp",
        "komplek",
        "kompleks",
        "perum",
        "perumahan",
        "blok",
        "no",
        "nomor",
        "nmr",
    }
)
# The city and province, as said after an address.
CITY_WORDS = frozenset({"kota", "pekanbaru", "pku", "riau", "provinsi", "prov"})
_NUMBER = re.compile(r"\b(?:no|nomor|nmr|nomer)\.?\s*(\d+[a-z]?)\b")
_RT_RW = re.compile(r"\brt\.?\s*0*(\d{1,3})\s*(?:/|\s|,)?\s*(?:rw\.?\s*0*(\d{1,3}))?")
_RW_ONLY = re.compile(r"\brw\.?\s*0*(\d{1,3})")
_PUNCT = re.compile(r"[^\w\s-]", re.UNICODE)
_SPACES = re.compile(r"\s+")
_OLD_SPELLINGS = (("oe", "u"), ("dj", "j"), ("tj", "c"), ("sj", "sy"), ("ch", "kh"))
_DOUBLED = re.compile(r"([a-z])\1+")
# Roman numerals number the branches of a street ("Gg. Kuantan VII", "Jl. A.Yani 1"): they are
# read as digits, before doubled letters are collapsed (which would make "iii" an "i").
ROMAN = {
    "i": "1",
    "ii": "2",
    "iii": "3",
    "iv": "4",
    "v": "5",
    "vi": "6",
    "vii": "7",
    "viii": "8",
    "ix": "9",
    "x": "10",
    "xi": "11",
    "xii": "12",
    "xiii": "13",
    "xiv": "14",
    "xv": "15",
}


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation to spaces, single spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("’", "'").replace("`", "'")
    text = re.sub(r"(?<=[a-z])\.(?=[a-z])", ". ", text)  # "a.yani" → "a. yani"
    text = _PUNCT.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def spelling_key(word: str) -> str:
    """Fold old Indonesian spellings and doubled letters so variants meet."""
    for old, new in _OLD_SPELLINGS:
        word = word.replace(old, new)
    return _DOUBLED.sub(r"\1", word)


def name_key(text: str, *, keep_titles: bool = False) -> str:
    """The search key of a street, place or area name (see the module docstring)."""
    words = []
    tokens = fold(text).replace("-", " ").split()
    for i, word in enumerate(tokens):
        if word in STREET_PREFIXES:
            continue
        # A title stands before a name ("Jend. Sudirman"); at the end it is the name
        # ("Tanjung Datuk").
        if not keep_titles and word in TITLES and i < len(tokens) - 1:
            continue
        if len(word) == 1 and not word.isdigit() and i < len(tokens) - 1:
            continue  # initials: "A. Yani" → "yani"; a last letter is a numeral ("Cendrawasih I")
        if i > 0 and word in ROMAN:
            words.append(ROMAN[word])  # "Kuantan VII" → "kuantan 7", like "Kuantan 7"
            continue
        words.append(spelling_key(word))
    return " ".join(words)


def compact(key: str) -> str:
    return key.replace(" ", "")


@dataclass
class ParsedQuery:
    """What a caller's sentence says, split into parts (all keys normalised)."""

    text: str
    main: str = ""  # the phrase to search (street, place or area), as a key
    main_raw: str = ""  # the same before titles were dropped (for display/debug)
    street_hint: bool = False  # said "jl."/"jalan"
    gang_hint: bool = False  # said "gg."/"gang"
    house_number: str | None = None
    rt: str | None = None
    rw: str | None = None
    area: str | None = None  # key of the kelurahan/kecamatan named with a marker
    area_level: str | None = None  # "kelurahan" | "kecamatan"
    # The area as said, city name included: "Pekanbaru Kota" is a kecamatan, while in
    # "Sail Pekanbaru" the city follows the kecamatan (geo.geocoding.forward tries both).
    area_said: str | None = None
    relative: str | None = None  # in_front_of, near, ...
    relative_m: float | None = None
    intersection: tuple[str, str] | None = None  # keys of the two streets
    context: str = ""  # key of what was said before a relative word ("Jl. Sudirman" dekat …)
    notes: list[str] = field(default_factory=list)


def _take_area(text: str, parsed: ParsedQuery) -> str:
    """Remove "kel. X" / "kecamatan Y" (up to the next comma or marker) and remember it.
    "Kantor kelurahan X" is the office, a landmark, not an area qualifier."""
    pattern = re.compile(
        r"(?<!kantor )\b(kel|kelurahan|desa|ds|kec|kecamatan|kecmatan)\b\.?\s+([^,;]+?)"
        r"(?=$|[,;]|\s+(?:kel|kelurahan|kec|kecamatan|rt|rw)\b|\s+kota\s+(?:pekanbaru|pku)\b)"
    )
    found = list(pattern.finditer(text))
    for match in found:
        level = AREA_MARKERS[match.group(1)]
        key = re.sub(r"(\s+(kota|pekanbaru|riau))+$", "", name_key(match.group(2))) or name_key(
            match.group(2)
        )
        if key and (parsed.area is None or level == "kelurahan"):
            parsed.area, parsed.area_level = key, level
            parsed.area_said = name_key(match.group(2))
    return pattern.sub(" ", text) if found else text


def _is_name_word(words: list[str], i: int) -> bool:
    """ "Ujung" (end) after a name is part of it: "Jl. Riau Ujung" is a street of its own, the
    extension of Jl. Riau. It is a relative word only first ("ujung jalan Riau") or before a
    street prefix ("di ujung gang Amal")."""
    if words[i] != "ujung":
        return False
    named_before = [w for w in words[:i] if w not in FILLERS and w not in STREET_PREFIXES]
    after = words[i + 1 : i + 2]
    return bool(named_before) and not (after and after[0] in STREET_PREFIXES)


def parse_query(text: str) -> ParsedQuery:
    """Split a caller's words into searchable parts. Never raises on odd input."""
    parsed = ParsedQuery(text=text)
    # "lampu merah" (traffic lights) and "bundaran" (roundabout) name a crossing like "simpang".
    text = re.sub(
        r"(?i)\b(lampu merah|lampu lalu lintas|traffic light|bundaran)\b", "simpang", text
    )
    # "/", "&" and dashes separate the two streets of an intersection: keep them as " - ".
    separated = re.sub(r"\s*[/&–—]\s*", " - ", text)
    folded = fold(separated.replace(",", " , ").replace(";", " ; "))
    folded = re.sub(r"\s*,\s*", ", ", folded)

    if match := _NUMBER.search(folded):
        parsed.house_number = match.group(1)
        folded = _NUMBER.sub(" ", folded)
    if match := _RT_RW.search(folded):
        parsed.rt, parsed.rw = match.group(1), match.group(2)
        folded = _RT_RW.sub(" ", folded)
    if match := _RW_ONLY.search(folded):
        parsed.rw = parsed.rw or match.group(1)
        folded = _RW_ONLY.sub(" ", folded)
    folded = _take_area(folded, parsed)

    words = folded.replace(",", " ").split()
    parsed.street_hint = any(w in STREET_PREFIXES for w in words)
    parsed.gang_hint = any(w in GANG_PREFIXES for w in words)

    # Intersection: "simpang A dan B", "perempatan A - B", or two street prefixes in a row.
    lead = next((i for i, w in enumerate(words) if w in INTERSECTION_WORDS), None)
    if lead is not None:
        rest = " ".join(words[lead + 1 :])
        rest = re.sub(r"^(?:tiga|empat|lima|3|4|5)\s+", "", rest)
        parts = [p for p in INTERSECTION_SEPARATORS.split(rest) if p and p.strip()]
        if len(parts) < 2:
            prefix_split = re.split(r"\s+(?=(?:jl|jln|jalan|gg|gang)\b)", rest)
            parts = [p for p in prefix_split if p.strip()]
        keys = [name_key(p) for p in parts]
        keys = [k for k in keys if k]
        if len(keys) >= 2:
            parsed.intersection = (keys[0], keys[1])
            parsed.main = keys[0]
            return parsed
        # One name only: "simpang" is part of it (Simpang Tiga, Simpang Baru are kelurahan).

    # Relative word: "depan RSUD Arifin Achmad", "Jl. Sudirman dekat Mal SKA". What follows the
    # word is the landmark; what comes before it (a street, usually) is context.
    for i, word in enumerate(words):
        if word in RELATIVE_WORDS and not _is_name_word(words, i):
            parsed.relative, parsed.relative_m = RELATIVE_WORDS[word]
            before, after = words[:i], words[i + 1 :]
            if after:
                parsed.context = name_key(" ".join(w for w in before if w not in FILLERS))
                words = after
            else:
                words = before
            break

    kept = [w for w in words if w not in FILLERS]
    if parsed.area and all(w in CITY_WORDS for w in kept):
        kept = []  # "kec. Sail, kota Pekanbaru": the city after an area says nothing more
    parsed.main_raw = " ".join(kept)
    parsed.main = name_key(parsed.main_raw)
    return parsed
