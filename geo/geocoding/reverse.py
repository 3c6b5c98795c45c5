"""Reverse geocoding: a point → kelurahan, kecamatan, nearest street and landmark (one prepared
statement, so its plan stays warm on the connection)."""

from __future__ import annotations

from django.db import connection

from geo.geocoding import prepared, sql


def reverse(lat: float, lon: float) -> dict:
    with connection.cursor() as cursor:
        prepared.execute(cursor, sql.REVERSE, [lon, lat])
        (
            inside_city,
            kel_code,
            kel_name,
            in_kel,
            kec_code,
            kec_name,
            street,
            street_m,
            place,
            place_kind,
            place_m,
        ) = cursor.fetchone()
    return {
        "inside_service_area": bool(inside_city),
        "kelurahan": {"code": kel_code, "name": kel_name, "contains_point": bool(in_kel)}
        if kel_code
        else None,
        "kecamatan": {"code": kec_code, "name": kec_name} if kec_code else None,
        "street": {"name": street, "distance_m": round(street_m, 1)} if street else None,
        "place": {"name": place, "kind": place_kind, "distance_m": round(place_m, 1)}
        if place
        else None,
    }
