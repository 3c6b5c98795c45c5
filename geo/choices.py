from django.db import models
from django.utils.translation import gettext_lazy as _


class AdminLevel(models.TextChoices):
    """Administrative levels of an Indonesian city (kota → kecamatan → kelurahan)."""

    KOTA = "kota", _("Kota")
    KECAMATAN = "kecamatan", _("Kecamatan")
    KELURAHAN = "kelurahan", _("Kelurahan")


class RoadClass(models.TextChoices):
    """Road function as in the city register (fungsi jalan), plus graph connectors."""

    ARTERI = "arteri", _("Arteri")
    KOLEKTOR = "kolektor", _("Kolektor")
    LOKAL = "lokal", _("Lokal")
    LINGKUNGAN = "lingkungan", _("Lingkungan")
    PERUMAHAN = "perumahan", _("Perumahan")
    GANG = "gang", _("Gang")
    CONNECTOR = "connector", _("Penghubung graf")


# Higher first: a street takes the highest class of its segments.
ROAD_CLASS_RANK = {
    RoadClass.ARTERI: 6,
    RoadClass.KOLEKTOR: 5,
    RoadClass.LOKAL: 4,
    RoadClass.LINGKUNGAN: 3,
    RoadClass.PERUMAHAN: 2,
    RoadClass.GANG: 1,
    RoadClass.CONNECTOR: 0,
}


class PlaceKind(models.TextChoices):
    HOSPITAL = "hospital", _("Rumah sakit")
    PUSKESMAS = "puskesmas", _("Puskesmas")
    CLINIC = "clinic", _("Klinik")
    PHARMACY = "pharmacy", _("Apotek")
    FIRE_STATION = "fire_station", _("Pos pemadam kebakaran")
    POLICE = "police", _("Kantor polisi")
    GOVERNMENT_OFFICE = "government_office", _("Kantor pemerintahan")
    KANTOR_LURAH = "kantor_lurah", _("Kantor lurah")
    BUS_STOP = "bus_stop", _("Halte")
    SCHOOL = "school", _("Sekolah")
    UNIVERSITY = "university", _("Perguruan tinggi")
    MALL = "mall", _("Mal")
    MARKET = "market", _("Pasar")
    MOSQUE = "mosque", _("Masjid")
    AIRPORT = "airport", _("Bandara")
    LANDMARK = "landmark", _("Tengara")


class PositionQuality(models.TextChoices):
    """How a position was obtained; derived and approximate positions are labelled as such."""

    SURVEYED = "surveyed", _("Survei")
    OSM = "osm", _("OpenStreetMap")
    CITY_GIS_2015 = "city-gis-2015", _("SIG kota 2015")
    APPROXIMATE = "approximate", _("Perkiraan")
    DERIVED = "derived", _("Turunan")


class GazetteerKind(models.TextChoices):
    STREET = "street", _("Jalan")
    PLACE = "place", _("Tempat")
    KELURAHAN = "kelurahan", _("Kelurahan")
    KECAMATAN = "kecamatan", _("Kecamatan")
