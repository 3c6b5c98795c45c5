"""The login page, throttled: a locked-out attempt gets 429 and says so in the user's language."""

from __future__ import annotations

from django.contrib.auth import views as auth_views

from accounts.forms import LoginForm


class LoginView(auth_views.LoginView):
    authentication_form = LoginForm
    redirect_authenticated_user = True
    http_method_names = ["get", "post", "options"]  # FormView would take PUT as a POST

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled:
            response.status_code = 429
        return response
