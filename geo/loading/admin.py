"""Administrative areas: the kota outline (the service area), 15 kecamatan, 83 kelurahan.

Upserts by Kemendagri code inside one transaction: a rerun changes nothing, a failure changes
nothing either.
"""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.db.models import ProtectedError

from geo.choices import AdminLevel
from geo.loading.common import (
    FIXTURES,
    FixtureError,
    LoadResult,
    checksum,
    is_current,
    multipolygon,
    read_features,
    record,
)
from geo.models import AdminArea

ADMIN_FILES = (
    "kota_pekanbaru_big.geojson",
    "kecamatan_kemendagri.geojson",
    "kelurahan_kemendagri.geojson",
    "kecamatan_bps_2016_legacy12.geojson",
)
# A pre-2021 kecamatan name becomes an alias of each of today's kecamatan that it covers this
# much of (Tampan, split in 2021, names both Binawidya and Tuahmadani).
LEGACY_SHARE = 0.25


def _upsert(level: str, code: str, defaults: dict, counts: list[int]) -> AdminArea:
    area, created = AdminArea.objects.update_or_create(
        code=code, defaults={"level": level, **defaults}
    )
    counts[0 if created else 1] += 1
    return area


def _remove_absent(codes: set[str]) -> None:
    """The layer is replaced: areas not in the files go (children first)."""
    for level in (AdminLevel.KELURAHAN, AdminLevel.KECAMATAN, AdminLevel.KOTA):
        try:
            AdminArea.objects.filter(level=level).exclude(code__in=codes).delete()
        except ProtectedError as exc:
            raise FixtureError(f"cannot remove {level} areas still in use: {exc}") from None


def _legacy_kecamatan_aliases(path: Path, kecamatan: dict[str, AdminArea]) -> None:
    aliases: dict[str, list[str]] = {code: [] for code in kecamatan}
    current = {area.name.lower() for area in kecamatan.values()}
    for feature in read_features(path):
        old_name = feature["properties"]["kecamatan_bps_2016"]
        if old_name.lower() in current:
            continue  # still a kecamatan of that name: not an alias of another one
        old = multipolygon(feature, path, old_name)
        for code, area in kecamatan.items():
            shared = area.geom.intersection(old).area
            if area.geom.area and shared / area.geom.area >= LEGACY_SHARE:
                aliases[code].append(old_name)
    for code, names in aliases.items():
        AdminArea.objects.filter(code=code).update(aliases=sorted(set(names)))


@transaction.atomic
def load_admin_areas(
    folder: Path = FIXTURES / "admin", force: bool = False, source: str | None = None
) -> LoadResult:
    """Kota outline, 15 kecamatan and 83 kelurahan (Kemendagri codes, BPS codes where known).

    ``source`` overrides the provenance note (imports give the file they came from).
    """
    try:
        return _load_admin_areas(folder, force, source)
    except KeyError as exc:
        raise FixtureError(f"{folder}: a feature lacks the property {exc}") from None


def _load_admin_areas(folder: Path, force: bool, source: str | None) -> LoadResult:
    paths = [folder / name for name in ADMIN_FILES]
    sha = checksum(p for p in paths if p.exists() or p.name != ADMIN_FILES[-1])
    if not force and is_current("admin", sha):
        return LoadResult("admin areas", 0, 0, skipped=True)
    counts = [0, 0]
    seen_codes: set[str] = set()
    kota_path, kec_path, kel_path, legacy_path = paths
    kota_features = read_features(kota_path)
    if len(kota_features) != 1:
        raise FixtureError(f"{kota_path}: expected exactly one city outline")
    kota = kota_features[0]
    kota_props = kota["properties"]
    city = _upsert(
        AdminLevel.KOTA,
        kota_props["kode_kota"],
        {
            "name": kota_props["kabupaten_kota"],
            "parent": None,
            "geom": multipolygon(kota, kota_path, kota_props["kode_kota"]),
            "source": source or "BIG kab/kota outline (via Ascalon231/webgis-pekanbaru)",
        },
        counts,
    )
    kecamatan = {}
    for feature in read_features(kec_path):
        props = feature["properties"]
        kecamatan[props["kode_kecamatan"]] = _upsert(
            AdminLevel.KECAMATAN,
            props["kode_kecamatan"],
            {
                "name": props["kecamatan"],
                "parent": city,
                "geom": multipolygon(feature, kec_path, props["kode_kecamatan"]),
                "source": source or "dissolve of cahyadsn/wilayah_boundaries kelurahan (MIT)",
            },
            counts,
        )
    for feature in read_features(kel_path):
        props = feature["properties"]
        parent = kecamatan.get(props["kode_kecamatan"])
        if parent is None:
            raise FixtureError(
                f"{kel_path}: kelurahan {props['kode_kemendagri']} names unknown kecamatan "
                f"{props['kode_kecamatan']}"
            )
        seen_codes.add(props["kode_kemendagri"])
        _upsert(
            AdminLevel.KELURAHAN,
            props["kode_kemendagri"],
            {
                "name": props["nama"],
                "aliases": [props["nama_bps"]]
                if props.get("nama_bps") and props["nama_bps"] != props["nama"]
                else [],
                "bps_code": props.get("kode_bps_2016") or "",
                "parent": parent,
                "geom": multipolygon(feature, kel_path, props["kode_kemendagri"]),
                "source": source or "cahyadsn/wilayah_boundaries (MIT), Kepmendagri 2025 codes",
            },
            counts,
        )
    seen_codes |= {city.code, *kecamatan}
    if legacy_path.exists():
        _legacy_kecamatan_aliases(legacy_path, kecamatan)
    _remove_absent(seen_codes)
    record("admin", str(folder), sha, sum(counts))
    return LoadResult("admin areas", created=counts[0], updated=counts[1])
