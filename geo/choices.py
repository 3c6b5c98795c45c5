from django.db import models
from django.utils.translation import gettext_lazy as _


class AdminLevel(models.TextChoices):
    """Administrative levels of an Indonesian city (kota → kecamatan → kelurahan)."""

    KOTA = "kota", _("Kota")
    KECAMATAN = "kecamatan", _("Kecamatan")
    KELURAHAN = "kelurahan", _("Kelurahan")
