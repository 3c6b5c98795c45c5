from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from cctv.choices import CameraStatus, PositionSource
from cctv.geometry import sector
from cctv.querysets import CameraQuerySet

STREAM_SCHEMES = {
    "stream_hls": ("http", "https"),
    "stream_rtsp": ("rtsp", "rtsps"),
    "snapshot_url": ("http", "https"),
}


class Camera(models.Model):
    """A CCTV camera. ``sector`` is derived from position, heading, FOV, range and PTZ and is
    recomputed on every save; it is never edited by hand."""

    code = models.SlugField(_("kode"), max_length=30, unique=True)
    city_cam_id = models.PositiveIntegerField(
        _("id kamera kota"), null=True, blank=True, unique=True
    )
    name = models.CharField(_("nama"), max_length=120)
    location = models.CharField(_("lokasi"), max_length=200, blank=True)
    point = models.PointField(_("posisi"), srid=4326)
    position_source = models.CharField(max_length=16, choices=PositionSource.choices)
    height_m = models.FloatField(
        _("tinggi pasang (m)"), default=6, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    heading_deg = models.FloatField(
        _("arah (° dari utara)"), validators=[MinValueValidator(0), MaxValueValidator(360)]
    )
    fov_deg = models.FloatField(
        _("sudut pandang (°)"),
        default=60,
        validators=[MinValueValidator(0.1), MaxValueValidator(360)],
    )
    range_m = models.FloatField(
        _("jangkauan (m)"), default=80, validators=[MinValueValidator(1), MaxValueValidator(2000)]
    )
    ptz = models.BooleanField(_("PTZ"), default=False)
    stream_hls = models.URLField(_("stream HLS"), blank=True)
    stream_rtsp = models.CharField(_("stream RTSP"), max_length=300, blank=True)
    snapshot_url = models.URLField(_("URL snapshot"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=CameraStatus.choices, default=CameraStatus.ONLINE
    )
    last_heartbeat = models.DateTimeField(_("detak terakhir"), null=True, blank=True)
    sector = models.PolygonField(_("sektor pandang"), srid=4326, editable=False)
    note = models.TextField(_("catatan"), blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = CameraQuerySet.as_manager()

    class Meta:
        verbose_name = _("kamera CCTV")
        verbose_name_plural = _("kamera CCTV")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(heading_deg__gte=0, heading_deg__lte=360),
                name="camera_heading_range",
            ),
            models.CheckConstraint(
                condition=models.Q(fov_deg__gt=0, fov_deg__lte=360), name="camera_fov_range"
            ),
            models.CheckConstraint(condition=models.Q(range_m__gt=0), name="camera_range_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        from geo.models import AdminArea

        errors = {}
        for field, schemes in STREAM_SCHEMES.items():
            value = getattr(self, field)
            if value and value.split(":", 1)[0].lower() not in schemes:
                errors[field] = _("Skema harus salah satu dari: %(s)s") % {"s": ", ".join(schemes)}
        if self.point is not None:
            city = AdminArea.objects.city().first()
            if city is not None and not city.geom.intersects(self.point):
                errors["point"] = _("Kamera berada di luar wilayah layanan (Kota Pekanbaru).")
        if errors:
            raise ValidationError(errors)

    def compute_sector(self) -> None:
        self.sector = sector(
            self.point.x, self.point.y, self.heading_deg % 360, self.fov_deg, self.range_m, self.ptz
        )

    def save(self, *args, **kwargs):
        self.compute_sector()  # derived data: always from the inputs
        super().save(*args, **kwargs)


class CameraChange(models.Model):
    """Who changed what on a camera, and when (position, heading, status…)."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changes = models.JSONField()

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.camera_id} {self.at:%Y-%m-%d %H:%M}"
