"""Settings of the django-helpdesk peer. Everything that differs between runs comes from the
environment, which ``peer.py`` sets: PEER_HOME (state dir: SQLite file, media, static, mail
directory, secret key), PEER_DB (sqlite|postgres), PEER_PG_DB (database name) and, for
PostgreSQL, PEER_PG_HOST / PEER_PG_PORT / PEER_PG_USER / PEER_PG_PASSWORD."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

HOME = Path(os.environ.get("PEER_HOME", Path(__file__).resolve().parents[2] / ".work" / "peer"))
HOME.mkdir(parents=True, exist_ok=True)
DB_KIND = os.environ.get("PEER_DB", "sqlite")


def _secret_key() -> str:
    path = HOME / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = False
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",  # helpdesk builds absolute links in its e-mails from the Site
    "django.contrib.humanize",  # helpdesk's templates load it
    "rest_framework",  # the ticket list's rows come from a DRF view
    "helpdesk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "peer_site.urls"
WSGI_APPLICATION = "peer_site.wsgi.application"

TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]

if DB_KIND == "postgres":
    DATABASES = {"default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("PEER_PG_DB", "peer_bench"),
        "HOST": os.environ.get("PEER_PG_HOST", "127.0.0.1"),
        "PORT": os.environ.get("PEER_PG_PORT", "5432"),
        "USER": os.environ.get("PEER_PG_USER", "root"),
        "PASSWORD": os.environ.get("PEER_PG_PASSWORD", ""),
        # Persistent connections, as any production deployment would configure.
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
    }}
elif DB_KIND == "sqlite":
    DATABASES = {"default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": HOME / "db.sqlite3",
        "CONN_MAX_AGE": 600,
        # The usual production tuning of SQLite under a multi-process server.
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }}
else:
    raise RuntimeError(f"PEER_DB must be sqlite or postgres, not {DB_KIND!r}")

DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = HOME / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = HOME / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

SITE_ID = 1
LOGIN_URL = "helpdesk:login"
LOGIN_REDIRECT_URL = "helpdesk:home"

# Mail the helpdesk sends (acknowledgements to submitters…) is built but goes nowhere.
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = "support@bench.helpwire.local"
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# django-helpdesk: teams need pinax-teams, which the peer does not install. Everything else
# stays at the package's defaults, so the peer behaves as it does out of the box.
HELPDESK_TEAMS_MODE_ENABLED = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}
