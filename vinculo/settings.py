"""One environment-driven settings module (see docs/operations.md for every variable)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VINCULO_HOME = Path(os.environ.get("VINCULO_HOME", BASE_DIR.parent / "var")).resolve()
VINCULO_HOME.mkdir(parents=True, exist_ok=True)


def _env(name: str, default: str = "") -> str:
    """Read NAME, or the file named by NAME_FILE (for secrets mounted as files)."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text().strip()
    return os.environ.get(name, default)


def _bool(name: str, default: bool = False) -> bool:
    return _env(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """Use SECRET_KEY, else one generated once and kept in the data dir (never in the repo)."""
    key = _env("SECRET_KEY")
    if key:
        return key
    path = VINCULO_HOME / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _bool("DEBUG")
ALLOWED_HOSTS = [h for h in _env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in _env("CSRF_TRUSTED_ORIGINS").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "huey.contrib.djhuey",
    "vinculo.core",
    "vinculo.accounts",
    "vinculo.customers",
    "vinculo.timeline",
    "vinculo.sales",
    "vinculo.pages",
    "vinculo.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "vinculo.core.middleware.ContentSecurityPolicyMiddleware",
    "vinculo.core.middleware.NulGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "vinculo.accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

# Django's renderer, with <select> options written in Python (vinculo/core/renderers.py).
FORM_RENDERER = "vinculo.core.renderers.Renderer"

ROOT_URLCONF = "vinculo.urls"
WSGI_APPLICATION = "vinculo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vinculo.core.context_processors.vinculo",
            ],
        },
    }
]

# --- Database: SQLite file in the data dir by default, PostgreSQL via DATABASE_URL ---
DATABASE_URL = _env("DATABASE_URL") or f"sqlite:///{VINCULO_HOME / 'vinculo.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One connection per server thread, kept between requests: opening one costs the
    # PRAGMAs and a parse of the schema, and its page cache (cache_size) would be thrown
    # away after every request. Autocommit holds no read snapshot between requests.
    DATABASES["default"]["CONN_MAX_AGE"] = None
    DATABASES["default"]["OPTIONS"] = {
        # WAL + IMMEDIATE transactions: concurrent writers wait instead of failing "locked".
        # mmap_size: reads come straight from the OS page cache instead of a read() and a copy
        # per page; at 1M customers (a 3 GB file) 2 GB mapped cut the CPU of a cold customer
        # page by about 15 % (bench/RESULTS.md). The mapping costs address space, not memory.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
            " PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536; PRAGMA mmap_size=2147418112;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "pages:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Sign-in throttling (accounts/throttle.py): failures per (username, address) within the
# window before growing delays start, and the ceiling of failures per address.
LOGIN_FAILURE_LIMIT = int(_env("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_WINDOW_SECONDS = int(_env("LOGIN_FAILURE_WINDOW_SECONDS", "900"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(_env("LOGIN_ADDRESS_FAILURE_LIMIT", "100"))
# The header a trusted reverse proxy puts the client's address in (e.g. X-Forwarded-For),
# and how many proxies in front of the app append to it. Empty: the peer address counts.
VINCULO_TRUSTED_PROXY_HEADER = _env("VINCULO_TRUSTED_PROXY_HEADER").strip()
VINCULO_TRUSTED_PROXY_HOPS = int(_env("VINCULO_TRUSTED_PROXY_HOPS", "1"))

SESSION_COOKIE_HTTPONLY = True
# SECURE_COOKIES=1 says the site is served over HTTPS (usually TLS ends at a reverse proxy):
# cookies only over HTTPS, browsers told to use HTTPS only (HSTS), and the proxy's
# X-Forwarded-Proto believed for request.is_secure() (the proxy must set it, never pass
# a client's value on: docs/operations.md).
SECURE_COOKIES = _bool("SECURE_COOKIES")
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
if SECURE_COOKIES:
    SECURE_HSTS_SECONDS = int(_env("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _bool("SECURE_HSTS_INCLUDE_SUBDOMAINS")
    _proto_header = _env("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto").strip()
    if _proto_header:
        SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proto_header.upper().replace("-", "_"), "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Sent on every page (core.middleware): scripts, styles and fonts only from this site, no
# inline script or style, no framing. Images may be data: URLs (Swagger UI's icons).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)

# --- Languages, time zone, money ---
LANGUAGE_CODE = "pt-br"
LANGUAGES = [("pt-br", _("Portuguese (Brazil)")), ("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = _env("TIME_ZONE", "America/Sao_Paulo")
DEFAULT_CURRENCY = _env("DEFAULT_CURRENCY", "BRL")
CURRENCIES = ["BRL", "EUR", "USD"]
# Region used to read phone numbers typed without a country code.
PHONE_DEFAULT_REGION = _env("PHONE_DEFAULT_REGION", "BR")

STATIC_URL = "/static/"
STATIC_ROOT = VINCULO_HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VINCULO_HOME / "files"
MEDIA_URL = "/files/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
ATTACHMENT_MAX_BYTES = int(_env("ATTACHMENT_MAX_BYTES", str(25 * 1024 * 1024)))

# --- Mail: printed to the console until EMAIL_HOST names an SMTP server ---
EMAIL_HOST = _env("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(_env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = _env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = _env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = _bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = _bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = int(_env("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = _env("DEFAULT_FROM_EMAIL", "vinculo@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if _env("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Password reset by email: how long a link works, and how many requests are answered per
# client address and per email address within PASSWORD_RESET_WINDOW_SECONDS.
PASSWORD_RESET_TIMEOUT = int(_env("PASSWORD_RESET_TIMEOUT", "3600"))
PASSWORD_RESET_WINDOW_SECONDS = 3600
PASSWORD_RESET_ADDRESS_LIMIT = int(_env("PASSWORD_RESET_ADDRESS_LIMIT", "10"))
PASSWORD_RESET_EMAIL_LIMIT = int(_env("PASSWORD_RESET_EMAIL_LIMIT", "3"))

# --- Jobs: SqliteHuey in the data dir, RedisHuey when REDIS_URL is set ---
REDIS_URL = _env("REDIS_URL")
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "vinculo",
        "url": REDIS_URL,
        "immediate": False,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "vinculo",
        "filename": str(VINCULO_HOME / "jobs.sqlite3"),
        "immediate": False,
    }
if _bool("HUEY_IMMEDIATE"):
    HUEY["immediate"] = True

IDEMPOTENCY_TTL_SECONDS = 24 * 3600
# Outbox: processed events are kept this many days, then pruned (hourly job).
OUTBOX_RETENTION_DAYS = int(_env("OUTBOX_RETENTION_DAYS", "7"))
# A dispatcher's claim on an event; one that dies holding it lets it go after this.
OUTBOX_CLAIM_SECONDS = int(_env("OUTBOX_CLAIM_SECONDS", "300"))
API_PAGE_SIZE_MAX = 200

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": _env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
