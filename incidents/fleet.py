"""A plausible demo fleet at the real stations (hospitals, puskesmas, fire stations, police).

Stations come from the places layer; units are placed at their station with a fresh position.
Idempotent: rerunning updates stations and re-stamps unit positions. The numbers of vehicles are
assumptions for a demo, not the city's register; replace them with the agencies' own lists.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from geo.models import Place
from incidents.models import Agency, Station, Unit

STATION_OF_PLACE = {
    "hospital": ("hospital", "dinkes"),
    "puskesmas": ("puskesmas", "dinkes"),
    "fire_station": ("fire_station", "damkar"),
    "police": ("police", "polresta"),
}


def _units_for(station: Station, place: Place) -> list[tuple[str, str, list[str]]]:
    name = place.name.lower()
    if station.kind == "hospital":
        count = 2 if ("rsud" in name or "arifin" in name) else 1
        return [("ambulance", "Ambulans", ["als"] if count == 2 else ["bls"])] * count
    if station.kind == "puskesmas":
        return [("ambulance", "Ambulans puskesmas", ["bls"])]
    if station.kind == "fire_station":
        main = name.startswith("dinas pemadam")
        units = [("fire_engine", "Mobil pemadam", ["water"])] * (2 if main else 1)
        return units + ([("rescue", "Unit penyelamat", ["rescue", "animal"])] if main else [])
    count = 3 if "polresta" in name else 1
    return [("patrol", "Mobil patroli", ["patrol"])] * count


@transaction.atomic
def load_fleet() -> tuple[int, int]:
    agencies = {a.code: a for a in Agency.objects.all()}
    now = timezone.now()
    stations = units = 0
    for place in Place.objects.filter(kind__in=STATION_OF_PLACE).order_by("uid"):
        if "rumbai camp" in place.name.lower():
            continue  # a company brigade, not dispatched by the city
        kind, agency = STATION_OF_PLACE[place.kind]
        code = "st-" + place.uid.replace(":", "-").replace("/", "-")[:56]
        station, _ = Station.objects.update_or_create(
            code=code,
            defaults={
                "name": place.name,
                "kind": kind,
                "agency": agencies[agency],
                "place": place,
                "point": place.point,
            },
        )
        stations += 1
        for i, (unit_kind, label, caps) in enumerate(_units_for(station, place), start=1):
            Unit.objects.update_or_create(
                code=f"{code[3:][:34]}-{i}",
                defaults={
                    "name": f"{label} {place.name} {i}"[:120],
                    "kind": unit_kind,
                    "agency": agencies[agency],
                    "station": station,
                    "capabilities": caps,
                    "point": place.point,
                    "fix_at": now,
                },
            )
            units += 1
    return stations, units
