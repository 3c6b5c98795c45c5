"""Per-kelurahan statistics of the analytic incidents of a selection: counts and rates by category,
type and hour of day (WIB), and response times with percentiles computed in PostgreSQL.

Rates are per km² of the kelurahan: the reference data has no population per kelurahan (only
the city total, 1,177,751 in the BPS/Dukcapil source), so rates per 10,000 residents would be
invented. Response times: received → dispatched (``dispatch_s``), dispatched → on scene
(``travel_s``) and received → on scene (``arrival_s``), each with p50/p90 (``percentile_cont``)
and the number of incidents that reached that stage.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
)
from django.db.models.functions import ExtractHour, TruncMonth

from geo.models import AdminArea
from incidents.choices import Category
from layers.selection import WIB, Selection

STAGES = {
    "dispatch_s": ("created_at", "dispatched_at"),
    "travel_s": ("dispatched_at", "on_scene_at"),
    "arrival_s": ("created_at", "on_scene_at"),
}
PERCENTILES = (("p50", 0.5), ("p90", 0.9))


class PercentileCont(Aggregate):
    """``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)``; NULLs are ignored. The
    fraction is a bound parameter."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        self.fraction = float(fraction)
        super().__init__(expression, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, fraction="%s", **extra_context)
        return sql, (self.fraction, *params)


def duration(start: str, end: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def _response_aggregates() -> dict:
    aggregates = {}
    for name, (start, end) in STAGES.items():
        for label, fraction in PERCENTILES:
            aggregates[f"{name}__{label}"] = PercentileCont(
                duration(start, end), fraction, output_field=DurationField()
            )
        aggregates[f"{name}__n"] = Count(end)
    return aggregates


def _response(row: dict) -> dict:
    out = {}
    for name in STAGES:
        figures = {"n": row.get(f"{name}__n", 0)}
        for label, _ in PERCENTILES:
            value: timedelta | None = row.get(f"{name}__{label}")
            figures[label] = round(value.total_seconds(), 1) if value is not None else None
        out[name] = figures
    return out


class AreaKm2(Func):
    function = "ST_Area"
    template = "ST_Area(%(expressions)s::geography) / 1e6"
    output_field = FloatField()


def _counts(qs, *fields: str, **wib_parts):
    """Rows of ``qs`` counted (``n``) per the given fields and WIB time parts (``hour``,
    ``month``: see ``_hour``, ``_month``)."""
    return qs.order_by().annotate(**wib_parts).values(*fields, *wib_parts).annotate(n=Count("id"))


def _hour() -> ExtractHour:
    return ExtractHour("created_at", tzinfo=WIB)


def _month() -> TruncMonth:
    return TruncMonth("created_at", tzinfo=WIB)


def kelurahan_stats(selection: Selection) -> dict:
    """All kelurahan (zero counts included) with their figures, the city as a whole, and the
    number of incidents without a kelurahan (no location)."""
    qs = selection.incidents().order_by()
    by_category: dict = defaultdict(dict)
    by_type: dict = defaultdict(dict)
    counts: dict = defaultdict(int)
    for row in _counts(qs, "kelurahan_id", "category"):
        by_category[row["kelurahan_id"]][row["category"]] = row["n"]
        counts[row["kelurahan_id"]] += row["n"]
    for row in _counts(qs, "kelurahan_id", "type__code"):
        by_type[row["kelurahan_id"]][row["type__code"]] = row["n"]
    by_hour: dict = defaultdict(lambda: [0] * 24)
    city_hours = [0] * 24
    for row in _counts(qs, "kelurahan_id", hour=_hour()):
        by_hour[row["kelurahan_id"]][row["hour"]] = row["n"]
        city_hours[row["hour"]] += row["n"]
    responses = {
        row["kelurahan_id"]: _response(row)
        for row in qs.values("kelurahan_id").annotate(**_response_aggregates())
    }
    city_response = _response(qs.aggregate(**_response_aggregates()))

    areas = (
        AdminArea.objects.kelurahan()
        .select_related("parent")
        .annotate(area_km2=AreaKm2("geom"))
        .defer("geom", "parent__geom")
        .order_by("code")
    )
    rows = []
    for area in areas:
        n = counts.get(area.pk, 0)
        rows.append(
            {
                "code": area.code,
                "name": area.name,
                "kecamatan": {"code": area.parent.code, "name": area.parent.name}
                if area.parent
                else None,
                "area_km2": round(area.area_km2, 3),
                "count": n,
                "rate_per_km2": round(n / area.area_km2, 3) if area.area_km2 else None,
                "by_category": {c: by_category[area.pk].get(c, 0) for c in Category.values},
                "by_type": dict(sorted(by_type[area.pk].items())),
                "by_hour": by_hour.get(area.pk, [0] * 24),
                "response": responses.get(area.pk) or _response({}),
            }
        )
    city_by_category: dict = defaultdict(int)
    for per_area in by_category.values():
        for category, n in per_area.items():
            city_by_category[category] += n
    return {
        **selection.describe(),
        "rate_unit": "per_km2",
        "hours": "WIB",
        "city": {
            "count": sum(counts.values()),
            "by_category": {c: city_by_category.get(c, 0) for c in Category.values},
            "by_hour": city_hours,
            "response": city_response,
        },
        "unplaced": counts.get(None, 0),
        "kelurahan": rows,
    }


def monthly_counts(selection: Selection) -> list[dict]:
    """Incidents per month (WIB) and category, oldest first: [{month: 'YYYY-MM', category, n}]."""
    qs = _counts(selection.incidents(), "category", month=_month()).order_by("month", "category")
    return [
        {"month": row["month"].strftime("%Y-%m"), "category": row["category"], "n": row["n"]}
        for row in qs
    ]


def hourly_by_category(selection: Selection) -> dict[str, list[int]]:
    """Incidents per hour of day (WIB, 0–23) for each category."""
    out = {c: [0] * 24 for c in Category.values}
    for row in _counts(selection.incidents(), "category", hour=_hour()):
        out.setdefault(row["category"], [0] * 24)[row["hour"]] = row["n"]
    return out
