from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReferenceLayer(models.Model):
    """What was loaded into each reference layer, from which file, with which checksum.

    Loaders skip a layer whose file has not changed, so `load_pekanbaru` is fast on reruns, and
    the provenance of the data in the database can be read back.
    """

    name = models.CharField(_("lapisan"), max_length=40, unique=True)
    source = models.CharField(_("berkas sumber"), max_length=300)
    sha256 = models.CharField(max_length=64)
    features = models.IntegerField(_("jumlah fitur"))
    loaded_at = models.DateTimeField(_("dimuat"), auto_now=True)

    class Meta:
        verbose_name = _("lapisan referensi")
        verbose_name_plural = _("lapisan referensi")

    def __str__(self) -> str:
        return f"{self.name} ({self.features})"
