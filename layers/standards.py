"""How the response compares with the published standards: for the analytic incidents of a
selection, the share handled within each target, with percentiles, per category, per month (WIB)
and per kelurahan, and the slowest cases to review.

Two stages are measured, as ``layers.stats`` does (times of the incident record):
- **processing**: incident opened → first unit dispatched; NFPA 1225 (2022) asks for 90 % within
  60 s;
- **travel**: dispatched → first unit on scene; NFPA 1710 (90th percentile): first fire engine
  240 s, ALS ambulance 480 s. There is no published travel standard for police calls here, so
  ``keamanan`` and ``lainnya`` have none unless one is configured.

These are US benchmarks that REFERENCE.md §1 lists, not Indonesian regulation: they are settings
(``RESPONSE_TARGETS``), and the answer names the targets it used. Every figure is computed in
PostgreSQL in a few statements; targets enter the SQL as bound parameters.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, DurationField, F, Q
from django.db.models.functions import TruncMonth

from geo.models import AdminArea
from incidents.choices import Category
from layers.selection import WIB, Selection
from layers.stats import PERCENTILES, PercentileCont, duration

DEFAULT_TARGETS = {
    "processing_s": 60,
    "travel_s": {"medis": 480, "bencana": 240, "keamanan": None, "lainnya": None},
    "goal_share": 0.9,
}
SOURCES = {
    "processing_s": "NFPA 1225 (2022): 90% processed to dispatch within 60 s",
    "travel_s": "NFPA 1710: first engine 240 s, ALS ambulance 480 s (90th percentile)",
}
SLOWEST = 10
MIN_KELURAHAN = 5  # kelurahan with fewer measured incidents are listed without a rank


def targets() -> dict:
    configured = getattr(settings, "RESPONSE_TARGETS", None) or {}
    travel = {**DEFAULT_TARGETS["travel_s"], **configured.get("travel_s", {})}
    return {**DEFAULT_TARGETS, **configured, "travel_s": travel}


def _travel_target_q(travel: dict) -> Q:
    """Reached the scene within its category's travel target (categories with one only)."""
    within = Q(pk__in=[])
    for category, seconds in travel.items():
        if seconds is not None:
            within |= Q(category=category, on_scene_at__lte=F("dispatched_at") + _seconds(seconds))
    return within


def _has_travel_target(travel: dict) -> Q:
    return Q(category__in=[c for c, s in travel.items() if s is not None])


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=float(value))


def _aggregates(t: dict) -> dict:
    processing = Q(dispatched_at__lte=F("created_at") + _seconds(t["processing_s"]))
    measured_travel = Q(
        on_scene_at__isnull=False, dispatched_at__isnull=False
    ) & _has_travel_target(t["travel_s"])
    return {
        "processing_n": Count("id", filter=Q(dispatched_at__isnull=False)),
        "processing_within": Count("id", filter=processing),
        **_percentiles("processing", "created_at", "dispatched_at"),
        "travel_n": Count("id", filter=measured_travel),
        "travel_within": Count("id", filter=measured_travel & _travel_target_q(t["travel_s"])),
        **_percentiles("travel", "dispatched_at", "on_scene_at"),
    }


def _percentiles(stage: str, start: str, end: str) -> dict:
    return {
        f"{stage}_{label}": PercentileCont(duration(start, end), q, output_field=DurationField())
        for label, q in PERCENTILES
    }


def _stage(row: dict, stage: str, goal: float, target) -> dict:
    n, within = row.get(f"{stage}_n") or 0, row.get(f"{stage}_within") or 0
    share = round(within / n, 4) if n else None
    figures = {
        "target_s": target,
        "n": n,
        "within": within,
        "share": share,
        "meets_goal": share >= goal if share is not None and target is not None else None,
    }
    for label in ("p50", "p90"):
        value = row.get(f"{stage}_{label}")
        figures[f"{label}_s"] = round(value.total_seconds(), 1) if value is not None else None
    return figures


def _figures(row: dict, t: dict, travel_target) -> dict:
    goal = t["goal_share"]
    return {
        "processing": _stage(row, "processing", goal, t["processing_s"]),
        "travel": _stage(row, "travel", goal, travel_target),
    }


def _slowest(qs, t: dict) -> dict:
    late_processing = (
        qs.filter(dispatched_at__gt=F("created_at") + _seconds(t["processing_s"]))
        .annotate(seconds=duration("created_at", "dispatched_at"))
        .order_by("-seconds", "id")
    )
    late_travel = (
        qs.filter(_has_travel_target(t["travel_s"]), on_scene_at__isnull=False)
        .exclude(_travel_target_q(t["travel_s"]))
        .annotate(seconds=duration("dispatched_at", "on_scene_at"))
        .order_by("-seconds", "id")
    )

    def rows(q):
        return [
            {
                "id": r["id"],
                "category": r["category"],
                "kelurahan": r["kelurahan__name"],
                "created_at": r["created_at"].astimezone(WIB).isoformat(),
                "seconds": round(r["seconds"].total_seconds(), 1),
            }
            for r in q.values("id", "category", "kelurahan__name", "created_at", "seconds")[
                :SLOWEST
            ]
        ]

    return {"processing": rows(late_processing), "travel": rows(late_travel)}


def response_standards(selection: Selection) -> dict:
    t = targets()
    qs = selection.incidents().order_by()
    aggregates = _aggregates(t)
    city = qs.aggregate(**aggregates)
    per_category = {r["category"]: r for r in qs.values("category").annotate(**aggregates)}
    by_month = [
        {
            "month": r["month"].astimezone(WIB).strftime("%Y-%m"),
            "category": r["category"],
            **_figures(r, t, t["travel_s"].get(r["category"])),
        }
        for r in qs.annotate(month=TruncMonth("created_at", tzinfo=WIB))
        .values("month", "category")
        .annotate(**aggregates)
        .order_by("month", "category")
    ]
    names = dict(AdminArea.objects.kelurahan().values_list("pk", "name"))
    kelurahan = [
        {"name": names.get(r["kelurahan_id"]), **_stage(r, "travel", t["goal_share"], None)}
        for r in qs.filter(kelurahan__isnull=False).values("kelurahan_id").annotate(**aggregates)
    ]
    ranked = sorted(
        (r for r in kelurahan if r["n"] >= MIN_KELURAHAN), key=lambda r: (r["share"], r["name"])
    )
    return {
        **selection.describe(),
        "hours": "WIB",
        "targets": t,
        "sources": SOURCES,
        "city": {
            "processing": _stage(city, "processing", t["goal_share"], t["processing_s"]),
            "travel": _stage(city, "travel", t["goal_share"], t["travel_s"]),
        },
        "by_category": {
            c: _figures(per_category.get(c, {}), t, t["travel_s"].get(c)) for c in Category.values
        },
        "by_month": by_month,
        "kelurahan_travel": ranked,
        "kelurahan_too_few": sorted(r["name"] for r in kelurahan if r["n"] < MIN_KELURAHAN),
        "slowest": _slowest(qs, t),
    }
