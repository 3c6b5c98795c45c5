"""Siaga 112 settings: one module, read from the environment through typed helpers.

Development defaults apply only when DEBUG is on. With DEBUG off (production), a missing or
unsafe value stops the start with a message that names it. Tests override in settings_test.py.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from config.env import ConfigError, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", False)

# --- secrets and hosts -------------------------------------------------------------------------
_DEV_SECRET_KEY = "dev-only-insecure-key-siaga112-never-use-in-production-0123456789abcdef"  # noqa: S105 - refused when DEBUG is off
SECRET_KEY = env_str("SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ConfigError("SECRET_KEY is not set (required when DEBUG is off)")
    SECRET_KEY = _DEV_SECRET_KEY
elif not DEBUG and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure")
):
    raise ConfigError("SECRET_KEY is unsafe: use at least 50 random characters")
if not DEBUG and SECRET_KEY == _DEV_SECRET_KEY:
    raise ConfigError("SECRET_KEY is the development key; set a real one")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ConfigError("ALLOWED_HOSTS is not set (required when DEBUG is off)")
if not DEBUG and "*" in ALLOWED_HOSTS:
    raise ConfigError("ALLOWED_HOSTS contains '*', which is unsafe in production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# --- applications ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "accounts",
    "geo",
    "incidents",
    "cctv",
    "layers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.StaticFilesMiddleware",  # ServeStatic, no thread per request in a sync chain
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database: PostGIS ---------------------------------------------------------------------------
# DATABASE_URL points at any PostGIS; without it, the embedded cluster that `make setup`
# starts under var/pg (its URL is written to var/pg/database_url).
EMBEDDED_DATABASE_URL_FILE = VAR_DIR / "pg" / "database_url"
DATABASE_URL = env_str("DATABASE_URL") or ""
if not DATABASE_URL and EMBEDDED_DATABASE_URL_FILE.exists():
    DATABASE_URL = EMBEDDED_DATABASE_URL_FILE.read_text().strip()
if not DATABASE_URL:
    raise ConfigError(
        "DATABASE_URL is not set and there is no embedded database yet (run `make setup`)"
    )
try:
    _db = dj_database_url.parse(DATABASE_URL)
except ValueError as exc:
    raise ConfigError(f"DATABASE_URL is not a valid database URL: {exc}") from None
_db["ENGINE"] = "django.contrib.gis.db.backends.postgis"
# Under ASGI, Django recommends the driver's pool over persistent connections. The pool is for
# the long-lived server (config/asgi.py turns it on); one-shot commands connect directly, so an
# unreachable database fails at once instead of after the pool's retries.
_db["CONN_MAX_AGE"] = 0
_db["OPTIONS"] = {"connect_timeout": env_int("DB_CONNECT_TIMEOUT", 5)}
if env_bool("DB_POOL", False):
    _db["OPTIONS"]["pool"] = {
        "min_size": env_int("DB_POOL_MIN", 1),
        "max_size": env_int("DB_POOL_MAX", 10),
        "timeout": env_int("DB_POOL_TIMEOUT", 10),
    }
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- real time: channel layer ---------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL") or ""
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 reads with a 5 s socket timeout by default, the same as the layer's
            # blocking BZPOPMIN: an idle feed then timed out and every consumer in the process
            # died with it. The read timeout must outlast the 5 s blocking pop.
            "CONFIG": {
                "hosts": [
                    {"address": REDIS_URL, "socket_timeout": 15, "socket_connect_timeout": 3}
                ],
                "capacity": 1000,
                "expiry": 30,
            },
        }
    }
else:
    # One process: the in-memory layer is enough (DESIGN.md, real time).
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# Live events that coalesce (AVL positions): at most one per this many milliseconds.
LIVE_COALESCE_MS = env_int("LIVE_COALESCE_MS", 1000)
# Callers' numbers are erased from calls older than this (manage.py erase_caller_numbers).
CALLER_NUMBER_RETENTION_DAYS = env_int("CALLER_NUMBER_RETENTION_DAYS", 90)

# --- cache: analytic layers (hotspots) shared by every server process ---------------------------
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "layers": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "layers"}
    ),
}

# --- authentication and API ---------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Every endpoint requires a user with a role; views narrow the roles they accept.
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.RolePermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Siaga 112 Pekanbaru API",
    "DESCRIPTION": (
        "Situational-awareness server of the 112 emergency call centre.\n\n"
        "The live feed is a WebSocket, outside this schema: `ws://HOST/ws/events/?since=SEQ` "
        "with the subprotocols `siaga112.batch` (events several to a frame, as "
        '`{"type": "events", "events": [...]}`), `siaga112` (one event a frame) and '
        "`token.<key>`; every event carries a global gap-free `seq`. The README's "
        '"The live feed" section describes the messages and close codes.'
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["accounts.permissions.RolePermission"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- caller location (AML over HTTPS) ------------------------------------------------------------
# Shared key of the HMAC-SHA1 that AML HTTPS senders append; when set, unsigned or wrongly signed
# messages are refused.
AML_HMAC_KEY = env_str("AML_HMAC_KEY") or ""

# --- language and time ----------------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Jakarta"  # shown in WIB; stored in UTC (USE_TZ)
USE_TZ = True

# --- static files (served by the app itself: the centre may have no internet) ---------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "servestatic.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- security headers and cookies -------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)  # one operator shift
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = False
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = [
    "security.W021",  # HSTS preload is a decision for the operator of the site
    # Debian 12 ships GDAL 3.6. The risk (GDAL fetching files or URLs named inside a spatial
    # reference) needs a user-supplied SRS string; this project only ever passes integer EPSG codes.
    "gis.W001",
]

# --- logging -----------------------------------------------------------------------------------------------
LOG_LEVEL = (env_str("LOG_LEVEL", "INFO") or "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # Caller numbers and device ids are never logged, whatever a library prints.
    "filters": {"redact": {"()": "config.logfilters.RedactNumbers"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- routing: emergency-vehicle speeds by road class (km/h), "class=kmh,..." in ROAD_SPEEDS_KMH
_SPEEDS = {
    "arteri": 40,
    "kolektor": 32,
    "lokal": 26,
    "lingkungan": 22,
    "perumahan": 16,
    "gang": 10,
    "connector": 10,
}
for _item in env_list("ROAD_SPEEDS_KMH"):
    _name, _, _value = _item.partition("=")
    try:
        _SPEEDS[_name.strip()] = float(_value)
    except ValueError:
        raise ConfigError(f"ROAD_SPEEDS_KMH: {_item!r} is not class=kmh") from None
    if _SPEEDS[_name.strip()] <= 0:
        raise ConfigError(f"ROAD_SPEEDS_KMH: speed of {_name!r} must be positive")
ROAD_SPEEDS_KMH = _SPEEDS
# Beyond this a point is not "on the road network": answers say so and fall back to straight line.
SNAP_MAX_M = env_int("SNAP_MAX_M", 300)

# --- the service area -------------------------------------------------------------------------------------
# Metric work (buffers, view sectors, KDE grids) uses UTM zone 47N, which covers Pekanbaru.
METRIC_SRID = 32647

# --- login throttling (accounts/throttle.py) --------------------------------------------------------
# More failed logins than this for one username, or from one address, within the window: locked
# out (429, "coba lagi dalam N menit") until the window has passed.
LOGIN_THROTTLE_WINDOW_S = env_int("LOGIN_THROTTLE_WINDOW_S", 15 * 60)
LOGIN_THROTTLE_PER_USERNAME = env_int("LOGIN_THROTTLE_PER_USERNAME", 5)
LOGIN_THROTTLE_PER_IP = env_int("LOGIN_THROTTLE_PER_IP", 30)
