"""Role checks for API views and pages.

Every API view requires an authenticated user with a role (the DRF default permission). A view
narrows who may read with ``read_roles`` and who may write with ``write_roles``.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.choices import ALL_ROLES, WRITE_ROLES


class RolePermission(BasePermission):
    message = _("Peran Anda tidak diizinkan untuk tindakan ini.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active and user.role):
            return False
        if request.method in SAFE_METHODS:
            allowed = getattr(view, "read_roles", ALL_ROLES)
        else:
            allowed = getattr(view, "write_roles", WRITE_ROLES)
        return user.role in allowed


def role_required(*roles: str):
    """Page decorator: login first, then one of ``roles`` (any role when none are given)."""
    allowed = frozenset(roles) or ALL_ROLES

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.user.role not in allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
