from __future__ import annotations

import math
import unicodedata

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


class CoordinateField(serializers.FloatField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            raise serializers.ValidationError(_("Harus berupa angka terhingga."))
        return value


class ReverseQuerySerializer(serializers.Serializer):
    lat = CoordinateField(min_value=-90, max_value=90, help_text=_("Lintang WGS84"))
    lon = CoordinateField(min_value=-180, max_value=180, help_text=_("Bujur WGS84"))
