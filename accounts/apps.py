from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Akun dan peran")

    def ready(self):
        from django.contrib import admin

        from accounts import schema  # noqa: F401  (registers the OpenAPI extension)
        from accounts.forms import AdminLoginForm

        admin.site.login_form = AdminLoginForm  # the admin's login is throttled too
