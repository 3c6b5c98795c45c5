from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts import views as accounts_views
from config import health, views

api_patterns = [
    path("auth/", include("accounts.api.urls")),
    path("geo/", include("geo.api.urls")),
    path("", include("incidents.api.urls")),
    path("", include("cctv.api.urls")),
    path("layers/", include("layers.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("", views.home, name="home"),
    path("login/", accounts_views.LoginView.as_view(), name="login"),  # throttled
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    path("", include("layers.urls")),  # the wall, the console, vector tiles
]
