from __future__ import annotations

import math
import unicodedata

from django.contrib.gis.geos import Point
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from geo.geocoding.forward import MAX_QUERY_LENGTH


class GeocodeQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=MAX_QUERY_LENGTH,
        trim_whitespace=True,
        help_text=_("Alamat seperti yang diucapkan penelepon, mis. 'Jl. Sudirman dekat Mal SKA'"),
    )
    limit = serializers.IntegerField(min_value=1, max_value=20, default=5)

    def validate_q(self, value: str) -> str:
        if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value):
            raise serializers.ValidationError(_("Kueri berisi karakter kontrol."))
        if not any(ch.isalnum() for ch in value):
            raise serializers.ValidationError(_("Kueri harus berisi huruf atau angka."))
        return value


class FiniteFloat(serializers.FloatField):
    """A float that refuses NaN and infinities (which pass min/max checks silently)."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            raise serializers.ValidationError(_("Harus berupa angka terhingga."))
        return value


def pop_point(attrs: dict) -> dict:
    """Turn optional ``lat``/``lon`` fields into ``point`` (both or neither, else a 400 that
    names the missing one)."""
    if ("lat" in attrs) != ("lon" in attrs):
        missing = "lon" if "lat" in attrs else "lat"
        raise serializers.ValidationError({missing: [_("lat dan lon harus diberikan bersama.")]})
    if "lat" in attrs:
        attrs["point"] = Point(attrs.pop("lon"), attrs.pop("lat"), srid=4326)
    return attrs


class ReverseQuerySerializer(serializers.Serializer):
    lat = FiniteFloat(min_value=-90, max_value=90, help_text=_("Lintang WGS84"))
    lon = FiniteFloat(min_value=-180, max_value=180, help_text=_("Bujur WGS84"))
