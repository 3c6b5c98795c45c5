from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Who a user is in the Command Centre; every endpoint requires one."""

    OPERATOR = "operator", _("Operator")
    SUPERVISOR = "supervisor", _("Supervisor")
    PLANNER = "planner", _("Perencana")
    WALL = "wall", _("Layar dinding (hanya baca)")
    ADMIN = "admin", _("Administrator")


ALL_ROLES = frozenset(Role.values)
# Roles that may change operational data. The wall only reads; planners analyse.
WRITE_ROLES = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN})
