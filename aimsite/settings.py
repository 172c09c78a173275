"""aimsite settings: one file, configured only from the environment (docs/architecture.md)."""

import importlib.util
import logging
import os
import secrets
from pathlib import Path

import dj_database_url

from aimsite import limits as upload_limits

logger = logging.getLogger("aimsite")

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


if "PYTEST_VERSION" in os.environ and not os.environ.get("AIMSITE_DATA_DIR"):
    # pytest-django imports settings before any conftest runs: give every test run
    # its own data dir (test database, media, key), and export it so the server
    # processes the tests start share it.
    import tempfile

    os.environ["AIMSITE_DATA_DIR"] = tempfile.mkdtemp(prefix="aimsite-test-")
DATA_DIR = Path(env_str("AIMSITE_DATA_DIR", str(Path.cwd() / ".aimsite"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)


def _persisted_secret_key() -> str:
    # The embedded default must survive restarts (sessions, signed cookies), so a
    # key is generated once and kept beside the database.
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = env_str("SECRET_KEY") or _persisted_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "aimsite",
    "experiments",
    "tags",
    "runs",
    "media_tracks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "aimsite.middleware.UrlTextGuardMiddleware",
    "aimsite.middleware.QueryBudgetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "aimsite.middleware.LoginRequiredMiddleware",
]

ROOT_URLCONF = "aimsite.urls"
ASGI_APPLICATION = "aimsite.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "aimsite.context_processors.site",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'aimsite.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several writers (daphne threads, SDK batches, the admin) share one file:
    # WAL lets readers run beside a writer, busy_timeout makes a writer wait instead
    # of failing with "database is locked", and IMMEDIATE transactions take the
    # write lock up front so two transactions never deadlock upgrading a read lock.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA busy_timeout=30000;"
            "PRAGMA synchronous=NORMAL;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
DB_POOL_MAX = env_int("AIMSITE_DB_POOL_MAX", 20)
if (
    DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    and DB_POOL_MAX
    and importlib.util.find_spec("psycopg_pool") is not None  # the [postgres] extra
):
    # Under ASGI every request runs in a fresh context, so a "persistent"
    # connection is opened per request anyway (~3 ms with PostgreSQL): a pool
    # (psycopg_pool, Django's own support) hands out open connections instead.
    # AIMSITE_DB_POOL_MAX=0 turns it off (behind PgBouncer, say).
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(2, DB_POOL_MAX),
        "max_size": DB_POOL_MAX,
        "timeout": 30,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them
else:
    # Django's advice under ASGI: no persistent connections (each request has its
    # own context, so they would not be reused anyway); SQLite opens in ~0.5 ms.
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "capacity": 1500, "expiry": 30},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if "PYTEST_VERSION" in os.environ:
    # Tests only (the daphne processes the tests start inherit PYTEST_VERSION):
    # PBKDF2's deliberate slowness made up most of the suite's time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AIMSITE_ALLOW_SIGNUP = env_bool("AIMSITE_ALLOW_SIGNUP", False)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("AIMSITE_STATIC_ROOT", str(DATA_DIR / "static")))


# plotly.js ships inside the plotly PyPI package: found there, never copied
# (aimsite/static_files.py). Collected files get content-hashed names and gzip copies.
# The partial bundle (our charts' trace types) is built here from tools/plotly_partial's
# npm lock file at install/start (aimsite/assets.py); the full one stands in without it.
PLOTLY_PARTIAL_PATH = Path(
    env_str(
        "AIMSITE_PLOTLY_PARTIAL",
        str(BASE_DIR / "tools" / "plotly_partial" / "dist" / "plotly-partial.min.js"),
    )
)
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "aimsite.static_files.PlotlyFinder",
]
# daphne serves /static/ itself (embedded default; `aimsite up` collects first);
# behind a proxy, run collectstatic and let the proxy serve STATIC_ROOT with
# AIMSITE_SERVE_STATIC=0.
AIMSITE_SERVE_STATIC = env_bool("AIMSITE_SERVE_STATIC", True)
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("AIMSITE_MEDIA_ROOT", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "aimsite.static_files.HashedStaticStorage"},
}

# The ingest endpoint takes large metric batches; DATA_UPLOAD_MAX_MEMORY_SIZE is
# the hard cap that answers 413 (see aimsite.middleware).
AIMSITE_MAX_BODY_BYTES = env_int("AIMSITE_MAX_BODY_BYTES", 64 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = AIMSITE_MAX_BODY_BYTES
# Uploads of tracked objects: the SDK packs them to the same limits (its defaults
# are these defaults). An upload over them is answered 413 naming them, and the SDK
# packs to those from then on (aimsite/sdk/uploads.py). Django's own file count
# limit is the same number, so it never refuses an upload the SDK made to fit.
AIMSITE_MAX_UPLOAD_FILES = env_int(
    "AIMSITE_MAX_UPLOAD_FILES", upload_limits.MAX_UPLOAD_FILES
)
AIMSITE_MAX_UPLOAD_BYTES = env_int(
    "AIMSITE_MAX_UPLOAD_BYTES", upload_limits.MAX_UPLOAD_BYTES
)
AIMSITE_MAX_UPLOAD_OBJECTS = env_int(
    "AIMSITE_MAX_UPLOAD_OBJECTS", upload_limits.MAX_UPLOAD_OBJECTS
)
DATA_UPLOAD_MAX_NUMBER_FILES = AIMSITE_MAX_UPLOAD_FILES
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
AIMSITE_MAX_POINTS_PER_BATCH = env_int("AIMSITE_MAX_POINTS_PER_BATCH", 1_000_000)
AIMSITE_MAX_LOG_LINES_PER_BATCH = env_int("AIMSITE_MAX_LOG_LINES_PER_BATCH", 100_000)
AIMSITE_HEARTBEAT_TIMEOUT = env_int("AIMSITE_HEARTBEAT_TIMEOUT", 15 * 60)
# Rendering one note (Markdown → HTML) may take this long; past it the renderer
# process is killed and the note refused (experiments/markdown/renderer.py).
AIMSITE_NOTES_RENDER_MS = env_int("AIMSITE_NOTES_RENDER_MS", 750)
# Seconds any one SQL statement of a request may run (aimsite.query_budget):
# past it the request answers 400 instead of tying up the server. 0 turns it off.
AIMSITE_QUERY_TIMEOUT = env_float("AIMSITE_QUERY_TIMEOUT", 5.0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "aimsite.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON in, as the schema documents (uploads take multipart themselves).
    "DEFAULT_PARSER_CLASSES": ["aimsite.parsers.JSONParser"],
    # Strict about query parameters: a value the schema refuses is a 400.
    "DEFAULT_FILTER_BACKENDS": [
        "aimsite.filters.FilterBackend",
        "aimsite.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "aimsite.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "aimsite.api.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "aimsite.negotiation.FormatNegotiation",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "aimsite API",
    "DESCRIPTION": "Runs, metrics, experiments and tags of the aimsite tracker.",
    "VERSION": "1",
    # 3.1: JSON Schema 2020-12, whose `null` type and type lists say what may be
    # null (3.0's `nullable` cannot stand beside a `$ref` or inside `anyOf`).
    "OAS_VERSION": "3.1.0",
    # Request and response shapes differ (read-only fields, required fields).
    "COMPONENT_SPLIT_REQUEST": True,
    # Several fields are named `kind`: each set of choices gets its own name.
    "ENUM_NAME_OVERRIDES": {
        "ObjectKindEnum": "media_tracks.models.ObjectSequence.Kind",
        "FieldKindEnum": ["number", "category"],
        **{
            f"{kind.title()}KindEnum": [kind]
            for kind in ("image", "audio", "text", "figure", "distribution")
        },
    },
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI is served from the drf-spectacular-sidecar package, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {"aimsite": {"level": env_str("LOG_LEVEL", "INFO"), "propagate": True}},
}
