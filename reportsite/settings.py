"""Settings for the annual-report site.

Everything that differs between a laptop, CI and production comes from the environment;
a malformed value stops the process instead of being silently ignored.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (0/1, true/false), got {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0")
    # Development only: a fixed key is harmless while DEBUG is on and nothing is public.
    SECRET_KEY = "dev-insecure-key-do-not-use-in-production-0123456789abcdef"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "axes",
    "annual",
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
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that lockouts see the authenticated user and the request.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "reportsite.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "reportsite.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
    )
}
# A connection kept across requests is checked before reuse, so a restarted PostgreSQL costs
# the requests during the restart, not a restart of the app servers.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several browser tabs save at once; wait for the write lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # WAL: a commit costs one fsync instead of three, so saving a section stays fast.
    # IMMEDIATE: a saving transaction takes the write lock when it begins, so the revision it
    # reads (select_for_update is a no-op on SQLite) cannot be changed before it writes.
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "annual.auth_backend.MemberBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "annual.passwords.ChineseMinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
# One language: the pages are written in Chinese, so Django's own messages (form errors, admin)
# must be too, whatever the browser's Accept-Language says.
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
# Approved PDFs, cached drafts and county archives (never served from MEDIA_URL: every download
# goes through a view that checks permissions and the SHA-256). S3-compatible: see README.
if os.environ.get("DJANGO_STORAGE", "filesystem") == "s3":
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("DJANGO_S3_BUCKET", ""),
            "endpoint_url": os.environ.get("DJANGO_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("DJANGO_S3_REGION") or None,
            "default_acl": "private",
            "file_overwrite": False,
        },
    }
elif os.environ.get("DJANGO_STORAGE", "filesystem") == "filesystem":
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured("DJANGO_STORAGE must be filesystem or s3")
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Where the filesystem storage keeps those files (outside the tracked tree; shared by every app
# server and worker, see README). No MEDIA_URL: nothing is served from it directly.
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "var" / "media"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_SECONDS", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "annual/workflow/lockout.html"  # Chinese, in the site's layout
# How many reverse proxies stand in front of the app, each appending to X-Forwarded-For; the
# lockout then keys on the address the outermost one saw (annual/client_ip.py). 0: none, the
# header is ignored (a client could write any address into it).
TRUSTED_PROXIES = int(os.environ.get("DJANGO_TRUSTED_PROXIES", "0"))
if TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured(f"DJANGO_TRUSTED_PROXIES must be 0 or more, got {TRUSTED_PROXIES}")
AXES_CLIENT_IP_CALLABLE = "annual.client_ip.client_ip"

CSRF_FAILURE_VIEW = "annual.views.errors.csrf_failure"

# Content-Security-Policy (django-csp): scripts and styles from this site's own files only, no
# inline script or style attribute anywhere (tests/test_csp.py checks the templates, and a browser
# test that no page reports a violation). Bootstrap's CSS draws its icons from data: SVGs; its JS
# sets positions through element.style, which the policy does not restrict.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "annual-report@localhost")
# Prefix of links in notification emails (e.g. https://nianbao.example.gov.cn); empty gives paths.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "")

# The deployment's name (e.g. 苍南县政府信息公开年报系统): its own signing certificate is issued to
# it and its key files are named after it.
DEPLOYMENT_NAME = os.environ.get("DJANGO_DEPLOYMENT_NAME", "").strip() or "政府信息公开工作年度报告系统"
# Long-lived files that are neither the database nor uploaded/produced documents: the
# deployment's own signing key (annual/pdf/signing.py). Outside the tracked tree; every app
# server and worker must see the same one (or all point DJANGO_SIGNING_* at the same key).
STATE_DIR = Path(os.environ.get("DJANGO_STATE_DIR", BASE_DIR / "var"))


def signing_from_env() -> dict:
    """Which key signs the approved PDFs (README 「定稿 PDF 的电子签名」): a PKCS#12 file, a PEM key
    and certificate, or a PKCS#11 token; none of them: the deployment's own key in STATE_DIR."""
    pkcs12 = os.environ.get("DJANGO_SIGNING_PKCS12", "")
    key, cert = os.environ.get("DJANGO_SIGNING_KEY", ""), os.environ.get("DJANGO_SIGNING_CERT", "")
    module = os.environ.get("DJANGO_SIGNING_PKCS11_MODULE", "")
    passphrase = os.environ.get("DJANGO_SIGNING_PASSPHRASE", "")
    chosen = [kind for kind, value in (("pkcs12", pkcs12), ("pem", key), ("pkcs11", module)) if value]
    if len(chosen) > 1:
        raise ImproperlyConfigured(
            "DJANGO_SIGNING_PKCS12, DJANGO_SIGNING_KEY and DJANGO_SIGNING_PKCS11_MODULE exclude each other"
        )
    if not chosen:
        return {"kind": "deployment"}
    if chosen == ["pkcs12"]:
        return {"kind": "pkcs12", "pkcs12": pkcs12, "passphrase": passphrase, "cert": cert}
    if chosen == ["pem"]:
        if not cert:
            raise ImproperlyConfigured("DJANGO_SIGNING_KEY needs DJANGO_SIGNING_CERT (its certificate, PEM or DER)")
        return {"kind": "pem", "key": key, "cert": cert, "passphrase": passphrase}
    key_label = os.environ.get("DJANGO_SIGNING_PKCS11_KEY", "")
    return {
        "kind": "pkcs11",
        "module": module,
        "token": os.environ.get("DJANGO_SIGNING_PKCS11_TOKEN", ""),
        "key_label": key_label,
        "cert_label": os.environ.get("DJANGO_SIGNING_PKCS11_CERT", "") or key_label,
        "pin": os.environ.get("DJANGO_SIGNING_PKCS11_PIN", ""),
        "cert": cert,
    }


PDF_SIGNING = signing_from_env()

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_CONTENT_TYPE_NOSNIFF = True

# Background jobs (annual/jobs.py). With a broker (Redis) they run on Celery workers; without
# one (the embedded default, tests) they run inline in the request, and nothing else is needed.
# Derived data cached per report version (annual/report_cache.py, the board's summaries). Every
# key carries the version, so any backend is correct: memory of each process by default, Redis
# shared by all app servers in production. A Redis that is down is a miss, never an error page.
CACHE_URL = os.environ.get("DJANGO_CACHE_URL", "")
# The release of the code (a commit, a version): cached values carry it, so a deployment never
# serves values drawn by the old code. Empty: annual/report_cache.py falls back to a digest of
# the source.
RELEASE = os.environ.get("DJANGO_RELEASE", "").strip()
CACHES = {
    "default": (
        {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "TIMEOUT": 7 * 24 * 3600,
            "KEY_PREFIX": "annual",
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
                "COMPRESSOR": "django_redis.compressors.zlib.ZlibCompressor",
            },
        }
        if CACHE_URL
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    )
}
# django-redis logs the errors it ignores, so an outage is seen in the log.
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
HAS_CELERY = bool(CELERY_BROKER_URL)
# No Celery eager mode: without a broker `annual.jobs.dispatch` runs each job inline itself, and
# nothing else sends tasks (eager mode would only make send_task warn where a broker is set later).
CELERY_RESULT_BACKEND = None  # job outcomes live on the Job row
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # a long render must not hold other jobs hostage
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request that cannot reach Redis gives up within a second or two (the job waits on its row).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    # An unacknowledged message is delivered again after this. It stays long: a retry waits up
    # to 15 minutes as an unacknowledged message, and a short timeout would deliver it again
    # while it waits. A job whose worker vanished is found sooner by its heartbeat (annual/jobs.py).
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
}
CELERY_BEAT_SCHEDULE = {"requeue-stale-jobs": {"task": "annual.requeue_stale", "schedule": 60.0}}
CELERY_TIMEZONE = TIME_ZONE
# Cached draft PDFs (one per report version) are evicted, least recently used first, beyond this.
DRAFT_PDF_CACHE_BYTES = int(os.environ.get("DJANGO_DRAFT_CACHE_MB", "512")) * 1024 * 1024
# A worker beats on its running job's row this often (seconds); a job silent for four beats lost
# its worker (the whole worker killed, its machine gone) and is sent again by the minutely sweep.
JOB_HEARTBEAT_SECONDS = float(os.environ.get("DJANGO_JOB_HEARTBEAT_SECONDS", "10"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
    # pyHanko logs each modification after a signature as a warning with its traceback; the
    # signature check (annual/pdf/signing.py) states the finding itself, in Chinese.
    "loggers": {"pyhanko.sign.diff_analysis": {"level": "ERROR"}},
}
