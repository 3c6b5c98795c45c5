from django.contrib import admin

from incidents.models import Agency, Call, Incident, IncidentType, RoutingRule, TimelineEvent


class RoutingRuleInline(admin.TabularInline):
    model = RoutingRule
    extra = 1


@admin.register(IncidentType)
class IncidentTypeAdmin(admin.ModelAdmin):
    """Supervisors edit types, duplicate windows and the routing table here (data, not code)."""

    list_display = (
        "code",
        "name",
        "category",
        "default_priority",
        "duplicate_radius_m",
        "duplicate_window_min",
        "active",
    )
    list_filter = ("category", "active")
    inlines = [RoutingRuleInline]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "phone", "active")


class TimelineInline(admin.TabularInline):
    model = TimelineEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "kind", "actor", "data")

    def has_add_permission(self, request, obj=None):
        return False  # written by the services only


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    """Read-only here: changes go through the API so they are versioned, logged and broadcast."""

    list_display = ("id", "type", "status", "priority", "kelurahan", "created_at")
    list_filter = ("status", "category")
    inlines = [TimelineInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("id", "received_at", "is_silent", "incident", "prank_risk")
    exclude = ("caller_number",)  # never shown unmasked outside the audited API

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
