from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "geo"
    verbose_name = _("Data spasial dan geokode")

    def ready(self):
        from django.db.backends.signals import connection_created

        connection_created.connect(set_trigram_thresholds, dispatch_uid="geo-trigram-thresholds")


def set_trigram_thresholds(sender, connection, **kwargs):
    """pg_trgm's `%` / `<%` operators use these thresholds; the defaults (0.3 / 0.6) miss
    typo'd names callers give. Set once per connection so the GIN indexes can be used.

    Prepared statements (only the geocoder's: Django binds parameters on the client and never
    prepares) keep one generic plan: PostgreSQL's default re-plans the forward statement on
    every call (its generic plan's estimate is higher), and planning it cost as much as running
    it."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, false),"
            " set_config('pg_trgm.word_similarity_threshold', %s, false),"
            " set_config('plan_cache_mode', %s, false)",
            ["0.25", "0.5", "force_generic_plan"],
        )
