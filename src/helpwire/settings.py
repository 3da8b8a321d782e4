"""Django settings, driven by the environment (see README, "Configuration").

HELPWIRE_DATA_DIR  where the SQLite file, attachments and the generated secret key live
DATABASE_URL       a postgres:// URL switches from the embedded SQLite to PostgreSQL
REDIS_URL          optional; when set, the channel layer and the cache use Redis
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("HELPWIRE_DATA_DIR", "./var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """A key from the environment, or one generated once and kept in the data dir."""
    if key := os.environ.get("HELPWIRE_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("HELPWIRE_DEBUG", "") == "1"
# Links that leave Helpwire (emails) are built from this, never from a request's Host header.
# `helpwire run` sets it for its processes to the address it serves when it is unset.
HELPWIRE_BASE_URL = os.environ.get("HELPWIRE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Host names this server answers to: the base URL's host and the loopback names, unless set.
ALLOWED_HOSTS = [h for h in os.environ.get("HELPWIRE_ALLOWED_HOSTS", "").split(",") if h] or [
    urlsplit(HELPWIRE_BASE_URL).hostname or "127.0.0.1", "127.0.0.1", "localhost", "[::1]"]
# Reverse proxies whose X-Forwarded-For/-Proto headers are believed (comma-separated IPs).
HELPWIRE_TRUSTED_PROXIES = [p.strip() for p in os.environ.get(
    "HELPWIRE_TRUSTED_PROXIES", "").split(",") if p.strip()]
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("HELPWIRE_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "channels",
    "ninja",
    "helpwire.core",
    "helpwire.calendars",
    "helpwire.accounts",
    "helpwire.clients",
    "helpwire.connectors",
    "helpwire.tickets",
    "helpwire.conversations",
    "helpwire.mail",
    "helpwire.search",
    "helpwire.sla",
    "helpwire.reports",
    "helpwire.automation",
    "helpwire.workspace",
    "helpwire.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "helpwire.workspace.middleware.AgentPreferences",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "helpwire.urls"
ASGI_APPLICATION = "helpwire.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "helpwire.workspace.context.unread",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------
_database_url = os.environ.get("DATABASE_URL", "")
if _database_url:
    # A bounded pool per process: connections are reused instead of opened per request
    # (~3 ms each), and N processes never hold more than N × HELPWIRE_DB_POOL_SIZE of
    # PostgreSQL's max_connections, whatever the load. HELPWIRE_DB_POOL_SIZE=0 turns the
    # pool off (behind PgBouncer in transaction mode, say).
    _pool_size = int(os.environ.get("HELPWIRE_DB_POOL_SIZE", "8"))
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's, with a pool that gets over a restart of the server (its docstring).
        DATABASES["default"]["ENGINE"] = "helpwire.core.postgresql"
    if _pool_size > 0:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1, "max_size": _pool_size,
            # A request waits this long for a free connection, then fails cleanly.
            "timeout": float(os.environ.get("HELPWIRE_DB_POOL_TIMEOUT", "10")),
        }
    DATABASES["default"].setdefault("TEST", {})
else:
    DATABASES = {
        "default": {
            "ENGINE": "helpwire.core.sqlite",  # Django's, with a queue for writers
            "NAME": str(DATA_DIR / "helpwire.sqlite3"),
            "OPTIONS": {
                # WAL lets the web process read while the worker writes; IMMEDIATE takes
                # the write lock up front so two writers queue instead of deadlocking.
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                    "PRAGMA busy_timeout=20000;PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # A file, not shared-cache memory, so tests see the locking that workers see;
            # one per process so parallel test runs never share it.
            "TEST": {"NAME": str(Path(tempfile.gettempdir())
                                 / f"helpwire-test-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.Agent"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "workspace:login"
LOGIN_REDIRECT_URL = "workspace:home"

# --- i18n -------------------------------------------------------------------------------
LANGUAGE_CODE = os.environ.get("HELPWIRE_LANGUAGE", "ru")
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("HELPWIRE_TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

# --- files ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = DATA_DIR / "attachments"
HELPWIRE_MAX_ATTACHMENT_BYTES = int(
    os.environ.get("HELPWIRE_MAX_ATTACHMENT_BYTES", str(20 * 1024 * 1024))
)
# Email [CH1]: raw mail is kept under the data dir beside the attachments.
HELPWIRE_MAIL_DIR = Path(os.environ.get("HELPWIRE_MAIL_DIR", str(DATA_DIR / "mail")))
# A whole message larger than this is quarantined (kept raw, shown to admins).
HELPWIRE_MAIL_MAX_BYTES = int(os.environ.get("HELPWIRE_MAIL_MAX_BYTES", str(30 * 1024 * 1024)))
# Loop protection: automatic messages per address per 24 h; new tickets per sender per
# hour before the rest are held in quarantine.
HELPWIRE_MAIL_AUTO_REPLY_CAP = int(os.environ.get("HELPWIRE_MAIL_AUTO_REPLY_CAP", "3"))
HELPWIRE_MAIL_NEW_TICKETS_PER_HOUR = int(os.environ.get("HELPWIRE_MAIL_NEW_TICKETS_PER_HOUR",
                                                        "20"))
# Hosts rules may call although they resolve to private addresses (SSRF guard) [AU8]:
# comma-separated host names, addresses or CIDR ranges.
HELPWIRE_HTTP_ALLOW_HOSTS = os.environ.get("HELPWIRE_HTTP_ALLOW_HOSTS", "")
# Seconds one IMAP or SMTP conversation may stall before it is given up.
HELPWIRE_MAIL_TIMEOUT = float(os.environ.get("HELPWIRE_MAIL_TIMEOUT", "30"))
# Check mail servers' TLS certificates (turn off only for a server with a self-signed one).
HELPWIRE_MAIL_TLS_VERIFY = os.environ.get("HELPWIRE_MAIL_TLS_VERIFY", "1") != "0"
# Polls failed in a row before admins are told.
HELPWIRE_MAIL_FAILURE_ALERT = int(os.environ.get("HELPWIRE_MAIL_FAILURE_ALERT", "3"))
HELPWIRE_DEFAULT_PHONE_REGION = os.environ.get("HELPWIRE_DEFAULT_PHONE_REGION", "RU")
# Every agent sees every client card (small teams); by default cards follow tickets.
HELPWIRE_CLIENTS_SHARED = os.environ.get("HELPWIRE_CLIENTS_SHARED", "") == "1"

# --- background work --------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("HELPWIRE_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# Outbound delivery: attempts before a message is marked failed, and the first backoff.
# Mass mailings [AU7]: messages a minute, so a big list does not get the mailbox blocked.
HELPWIRE_MAILING_PER_MINUTE = int(os.environ.get("HELPWIRE_MAILING_PER_MINUTE", "120"))
HELPWIRE_DELIVERY_MAX_ATTEMPTS = 6
HELPWIRE_DELIVERY_BACKOFF_SECONDS = 30
# A worker's claim on a delivery attempt; past it the attempt is presumed dead and retried.
HELPWIRE_DELIVERY_LEASE_SECONDS = int(os.environ.get("HELPWIRE_DELIVERY_LEASE_SECONDS", "300"))

# --- API ---------------------------------------------------------------------------------
# Requests per token (or per logged-in agent) before 429 with Retry-After.
HELPWIRE_API_RATE = os.environ.get("HELPWIRE_API_RATE", "600/m")

# --- cache and realtime -----------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                  "CONFIG": {"hosts": [REDIS_URL]}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- mail -------------------------------------------------------------------------------
# @mentions of addresses outside the team mail the note from Helpwire: only to these domains
# (comma-separated; empty: no outside mentions), at most this many per agent and hour.
HELPWIRE_MENTION_DOMAINS = [d.strip().lower() for d in os.environ.get(
    "HELPWIRE_MENTION_DOMAINS", "").split(",") if d.strip()]
HELPWIRE_MENTION_RATE = int(os.environ.get("HELPWIRE_MENTION_RATE", "20"))
# Helpwire's own mail leaves through the system mailbox when one is chosen [CH1], else
# through this backend (Django's SMTP backend with the EMAIL_* settings, or the console).
EMAIL_BACKEND = "helpwire.mail.backend.SystemMailboxBackend"
HELPWIRE_FALLBACK_EMAIL_BACKEND = os.environ.get(
    "HELPWIRE_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("HELPWIRE_FROM_EMAIL", "helpwire@localhost")

# --- security headers -------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Served over HTTPS (the base URL says so): cookies only over TLS, and browsers told to keep
# to HTTPS. Behind a TLS-terminating proxy, list it in HELPWIRE_TRUSTED_PROXIES.
HTTPS = HELPWIRE_BASE_URL.startswith("https://")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("HELPWIRE_HSTS_SECONDS", "31536000")) if HTTPS else 0

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "helpwire": {"handlers": ["console"], "level": os.environ.get("HELPWIRE_LOG", "INFO")},
        # Every 500 writes its traceback (Django's default sends them to email only).
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
