"""Login forms with throttling (accounts/throttle.py)."""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import throttle

THROTTLED = "throttled"


class ThrottledLoginMixin:
    throttled_message = _(
        "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam %(minutes)d menit."
    )

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = throttle.client_ip(self.request)
        if throttle.blocked(username, ip):
            raise ValidationError(
                self.throttled_message,
                code=THROTTLED,
                params={"minutes": throttle.window_minutes()},
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            throttle.record_failure(username, ip)
            raise
        throttle.clear(username)
        return cleaned

    @property
    def throttled(self) -> bool:
        return self.has_error("__all__", THROTTLED)


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass
