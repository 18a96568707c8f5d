"""spinepath's one settings module, read from the environment.

Defaults are safe for production: DEBUG is off unless ``DEBUG=1`` is given (``make run`` gives it;
so does the test runner, whose settings are the development ones). DEBUG off switches on every
production safeguard at once, so ``manage.py check --deploy`` is clean without a second file.
"""

import os
import sys
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


# Under pytest the development defaults apply (pytest-django then runs each test with DEBUG off).
DEBUG = env_bool("DEBUG", default="pytest" in sys.modules)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
    # Development key; refused with DEBUG off (bandit B105).
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production-8f3a1c9e7d"  # nosec B105

# The research extract's pseudonyms are keyed hashes (analytics/extract.py). Empty: a key derived
# from SECRET_KEY. Set it to keep pseudonyms stable across a SECRET_KEY rotation.
RESEARCH_PSEUDONYM_KEY = env_str("RESEARCH_PSEUDONYM_KEY")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "spinepath.accounts",
    "spinepath.patients",
    "spinepath.questionnaires",
    "spinepath.assessment",
    "spinepath.procedures",
    "spinepath.onward",
    "spinepath.followup",
    "spinepath.demo",
    "spinepath.registry",
    "spinepath.patientinfo",
    "spinepath.aftercare",
    "spinepath.analytics",
    "spinepath.prediction",
    "spinepath.fhir",
    "spinepath.scheduling",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside everything that may audit (views, axes): a request's reads written in one INSERT.
    "spinepath.accounts.middleware.AuditFlushMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "spinepath.accounts.middleware.SessionTimeoutMiddleware",
    "spinepath.accounts.mfa.MfaRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "spinepath.accounts.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
    # Innermost: a create form's submission token or an API Idempotency-Key is claimed in the
    # view's own transaction, so a repeated submission is answered with the first one's result.
    "spinepath.accounts.idempotency.SubmissionMiddleware",
]

ROOT_URLCONF = "spinepath.urls"
WSGI_APPLICATION = "spinepath.wsgi.application"

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
                "spinepath.accounts.context_processors.staff",
            ],
            "libraries": {"wording": "spinepath.lib.wording"},
            # ``{% url %}`` without a ``reverse`` per link (lib/url_tag.py), in every template.
            "builtins": ["spinepath.lib.url_tag", "spinepath.lib.submission"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite: WAL lets readers proceed during a write; IMMEDIATE transactions take the write lock up
# front so read-then-write transactions wait instead of failing with "database is locked"
# (Django ticket #29280); synchronous=FULL because clinical records must survive a power cut.
# Both: persistent connections with health checks. PostgreSQL: a server restart costs no request.
# SQLite: a new connection per request cost ≈ 0.7 ms of CPU (Django registers its SQL functions
# and runs the PRAGMAs below each time) on every request that reads the database, and closing the
# last one checkpoints the WAL inside someone's request (docs/performance.md, "Pages, session 6").
VAR_DIR = Path(env_str("SPINEPATH_VAR_DIR", str(BASE_DIR / "var")))
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'spinepath.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=FULL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
        ),
    }
DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend reading the user's clinic with the user: one query, not two, per page.
    "spinepath.accounts.backends.StaffBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Failed-login lockout: five failures for a username from one address lock it for 30 minutes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
# Failures from one address across every username (ASVS 6.3.x): a password guesser who spreads
# guesses over many accounts is stopped too. Higher than one account's limit, because a clinic's
# staff may share one address behind its router. accounts/lockout.py applies both.
SPINEPATH_ADDRESS_FAILURE_LIMIT = env_int("SPINEPATH_ADDRESS_FAILURE_LIMIT", 20)
AXES_HANDLER = "spinepath.accounts.lockout.LockoutHandler"
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Django's database sessions, read with a statement compiled once (accounts/sessions.py).
SESSION_ENGINE = "spinepath.accounts.sessions"
# A staff session ends after SPINEPATH_SESSION_IDLE_MINUTES without a request (a screen left
# open on a ward) and SPINEPATH_SESSION_ABSOLUTE_HOURS after signing in, whatever happens
# (accounts/middleware.SessionTimeoutMiddleware); the cookie and the stored session last no longer.
SPINEPATH_SESSION_IDLE_MINUTES = env_int("SPINEPATH_SESSION_IDLE_MINUTES", 15)
SPINEPATH_SESSION_ABSOLUTE_HOURS = env_int("SPINEPATH_SESSION_ABSOLUTE_HOURS", 12)
SESSION_COOKIE_AGE = 60 * 60 * SPINEPATH_SESSION_ABSOLUTE_HOURS
# A second factor (authenticator app or recovery code) for every staff sign-in: always with DEBUG
# off; in development only when SPINEPATH_MFA_REQUIRED=1 (accounts/mfa.py).
SPINEPATH_MFA_REQUIRED = True if not DEBUG else env_bool("SPINEPATH_MFA_REQUIRED", default=False)
OTP_TOTP_ISSUER = "spinepath"
# API tokens work for this many days from issue (create_api_token --days to choose 1-366).
SPINEPATH_API_TOKEN_DAYS = env_int("SPINEPATH_API_TOKEN_DAYS", 90)
# Submission tokens and Idempotency-Keys are remembered this long (accounts/idempotency.py).
SPINEPATH_SUBMISSION_CLAIM_HOURS = env_int("SPINEPATH_SUBMISSION_CLAIM_HOURS", 24)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True
# One way to write dates everywhere: "4 Dec 2026" and "4 Dec 2026, 14:30". Django takes display
# formats from the locale, so spinepath/formats/en_GB/formats.py holds the same values.
FORMAT_MODULE_PATH = ["spinepath.formats"]
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# With DEBUG off, pages name their static files through the manifest that `collectstatic` writes;
# start-up refuses to go on without it (spinepath.accounts.checks.static_files_are_collected).

# --- Email -----------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "spinepath <no-reply@localhost>")
# Text messages go through a pluggable backend (a dotted path to a class with
# ``send(to, body)``); the console backend prints them, for development and the demo.
# Empty (the default with DEBUG off) sends no text messages at all.
SPINEPATH_SMS_BACKEND = env_str(
    "SPINEPATH_SMS_BACKEND", "spinepath.followup.sms.ConsoleSMSBackend" if DEBUG else ""
)

# --- Background tasks and follow-up messages ------------------------------------------------
# django-tasks with its database backend: the queue is a table, so one machine needs no broker;
# `manage.py run_worker` runs the queue and enqueues the follow-up sender on a schedule.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# How often the worker looks for invitations and reminders that have fallen due (seconds).
SPINEPATH_FOLLOWUP_SEND_EVERY_SECONDS = env_int("SPINEPATH_FOLLOWUP_SEND_EVERY_SECONDS", 300)
# What the worker's schedule enqueues at that interval (each safe to run any number of times).
SPINEPATH_PERIODIC_TASKS = [
    "spinepath.followup.tasks.send_followups",
    "spinepath.scheduling.tasks.send_booking_reminders",
    # Retrains the relief model when the newest version is older than the hours below.
    "spinepath.prediction.tasks.retrain_prediction_model",
    # Forgets submission tokens and Idempotency-Keys after SPINEPATH_SUBMISSION_CLAIM_HOURS.
    "spinepath.accounts.tasks.purge_submission_claims",
]
# --- People like you and the relief model (issue 16) -------------------------------------------
# Fewer similar patients than this and no figure is shown (the core refuses fewer than 5).
SPINEPATH_PEOPLE_LIKE_YOU_MINIMUM = env_int("SPINEPATH_PEOPLE_LIKE_YOU_MINIMUM", 30)
# The worker trains a new model version when the newest is this many hours old ...
SPINEPATH_PREDICTION_RETRAIN_HOURS = env_int("SPINEPATH_PREDICTION_RETRAIN_HOURS", 24)
# ... on the procedures of this many days before the training day.
SPINEPATH_PREDICTION_WINDOW_DAYS = env_int("SPINEPATH_PREDICTION_WINDOW_DAYS", 5 * 365)
# A patient's link stops working this many days after its time point was due (empty: the
# schedule file's link_expiry_days, 21).
SPINEPATH_FOLLOWUP_LINK_DAYS = env_int("SPINEPATH_FOLLOWUP_LINK_DAYS", 0) or None
# Invitations and reminders for a day's time points go out from this hour (clinic time), not at
# midnight; pain-diary points go at their own minute.
SPINEPATH_FOLLOWUP_SEND_FROM_HOUR = env_int("SPINEPATH_FOLLOWUP_SEND_FROM_HOUR", 9)
# A pain-diary link (hours after a diagnostic block) stops working this many hours after it was due.
SPINEPATH_FOLLOWUP_DIARY_LINK_HOURS = env_int("SPINEPATH_FOLLOWUP_DIARY_LINK_HOURS", 24)
# After the date of birth is checked, the patient's session lasts this long without a request.
SPINEPATH_FOLLOWUP_SESSION_MINUTES = env_int("SPINEPATH_FOLLOWUP_SESSION_MINUTES", 30)
# A failed send is tried again after each of these waits (minutes), then given up and shown.
SPINEPATH_FOLLOWUP_RETRY_MINUTES = (5, 30, 120)

# --- FHIR Bulk Data export ---------------------------------------------------------------------
# The worker writes each export's NDJSON files under this directory (one folder per export);
# only the exporting clinic's administrators can download them, through /fhir/$export-file/.
SPINEPATH_FHIR_EXPORT_DIR = Path(
    env_str("SPINEPATH_FHIR_EXPORT_DIR", str(VAR_DIR / "fhir-exports"))
)
# The canonical base of this service's own FHIR code systems, identifiers and Questionnaires
# (`<base>/CodeSystem/<name>`, `<base>/Id/<name>`, `<base>/Questionnaire/<code>`): an absolute
# https URL the organisation running spinepath controls. Set it once, before any data leaves:
# receivers store codes with their system, so a changed base makes the same code a different one.
# Default: this site's own FHIR address (SITE_URL + /fhir). Checked at start-up (fhir.E001).
SPINEPATH_FHIR_CANONICAL_BASE = env_str("SPINEPATH_FHIR_CANONICAL_BASE", f"{SITE_URL}/fhir").rstrip(
    "/"
)

# --- Security --------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Pages load scripts, styles, images and fonts from this site only, and nothing inline: charts
# are SVG with presentation attributes (lib/charts/svg.py), scripts are static files (Swagger UI
# included: it sets styles through the DOM, which CSP allows).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# No page needs a device feature except the signature pad (pointer events need no permission).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "serial",
        "bluetooth",
        "browsing-topics",
        "publickey-credentials-get",
        "screen-wake-lock",
        "xr-spatial-tracking",
    )
}
# X-Forwarded-Proto is believed only when a proxy that sets it is in front (it terminates TLS);
# without one, any client could claim https. SPINEPATH_BEHIND_PROXY=1 says there is one.
SPINEPATH_BEHIND_PROXY = env_bool("SPINEPATH_BEHIND_PROXY", default=False)
if SPINEPATH_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Logs carry no patient identifiers: request lines are logged without query strings, and the
# app logs record ids only. See spinepath.lib.logging.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "spinepath.lib.logging.RedactQueryStrings"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "weasyprint": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "fontTools": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

# --- spinepath -------------------------------------------------------------------------------
# A clinic may override any rule threshold (see spinepath.clinical.ruleset); unknown keys fail
# start-up through a system check rather than being silently ignored.
SPINEPATH_RULESET_OVERRIDES: dict[str, object] = {}
# Plausible maximum doses per drug and radiation figures (spinepath/clinical/data/dose_limits.toml),
# overridden the same way, e.g. {"version": "local-1", "steroid_max_mg": {"dexamethasone": 24}}.
SPINEPATH_DOSE_LIMIT_OVERRIDES: dict[str, object] = {}
# The demo's published password, DEBUG only (bandit B105).
SPINEPATH_DEMO_PASSWORD = "spinepath-demo-2026"  # nosec B105
# The blood glucose (mmol/L) above which the consent sheet tells a person with diabetes to follow
# their sick-day rules after a steroid; set it to the clinic's own sick-day rules.
SPINEPATH_SICK_DAY_GLUCOSE_MMOL_L = 15.0
