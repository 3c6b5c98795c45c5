from django.db import models
from django.utils.translation import gettext_lazy as _


class CameraStatus(models.TextChoices):
    ONLINE = "online", _("Daring")
    OFFLINE = "offline", _("Luring")
    MAINTENANCE = "maintenance", _("Perawatan")


class PositionSource(models.TextChoices):
    SURVEYED = "surveyed", _("Disurvei")
    CITY_REGISTER = "city_register", _("Register kota")
    DERIVED = "derived", _("Turunan (perkiraan)")
