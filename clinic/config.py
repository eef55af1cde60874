"""Configuration, read from the environment in this one place.

Every variable the app understands is listed in the README.
"""
from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ENVIRONMENTS = ("development", "production")


class ConfigError(RuntimeError):
    """The environment does not allow the app to start safely."""


def _sqlite_url(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "chairside.sqlite3")


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain postgres:// URLs (SQLAlchemy would pick psycopg2)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _number(name: str, default: str, kind=int):
    """Read a count or a length of time; anything but a number of 0 or more stops the start naming the variable.

    None of them means anything below 0, and some would mislead quietly: TRUSTED_PROXIES=-1 makes
    ProxyFix take the second address the client sent.
    """
    value = os.environ.get(name) or default
    try:
        number = kind(value)
    except ValueError:
        number = -1
    if not number >= 0:  # also refuses nan
        raise ConfigError(f"{name} must be a number of 0 or more, not {value!r}.")
    return number


def _timezone(zone: str) -> str:
    """Check the clinic's zone at start-up: an unknown one would fail every page that shows a time."""
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"CLINIC_TIMEZONE must be an IANA time zone such as America/New_York, not {zone!r}.") from None
    return zone


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the config mapping for one app from the environment and overrides."""
    env = os.environ
    overrides = overrides or {}
    environment = overrides.get("ENV", env.get("CHAIRSIDE_ENV") or "development")
    # A misspelt "production" must not quietly run with the development key and cookies.
    if environment not in ENVIRONMENTS:
        raise ConfigError(f"CHAIRSIDE_ENV must be development or production, not {environment!r}.")
    secret = overrides.get("SECRET_KEY", env.get("SECRET_KEY"))
    # The key signs the session cookie: a short one can be found offline from any cookie, and cookies forged.
    if environment == "production" and len((secret or "").encode()) < 32:
        raise ConfigError("SECRET_KEY must be set in production (CHAIRSIDE_ENV=production), 32 bytes or more, "
                          "e.g. the output of: python -c 'import secrets; print(secrets.token_urlsafe(48))'.")
    audit_key = overrides.get("AUDIT_KEY", env.get("AUDIT_KEY"))
    if environment == "production" and len((audit_key or "").encode()) < 32:
        raise ConfigError("AUDIT_KEY must be set in production, 32 bytes or more, and kept out of the database: "
                          "it keys the audit chain (README, Running in production).")
    production = environment == "production"
    config = {
        "ENV": environment,
        "SECRET_KEY": secret or "dev-only-not-secret",
        "AUDIT_KEY": audit_key or "dev-only-audit-key-not-secret",
        # PostgreSQL: the login role the app runs as, when migrations run as another (the owner): migration
        # 0011 grants it what the app needs and no more (README, Running in production).
        "DB_APP_ROLE": env.get("DB_APP_ROLE") or None,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            env.get("DATABASE_URL") or _sqlite_url(instance_path)
        ),
        "CLINIC_NAME": env.get("CLINIC_NAME", "Chairside Infusion Center"),
        "CLINIC_PHONE": env.get("CLINIC_PHONE", "555-0100"),
        "CLINIC_TIMEZONE": _timezone(env.get("CLINIC_TIMEZONE") or "America/New_York"),
        "SESSION_IDLE_MINUTES": _number("SESSION_IDLE_MINUTES", "15", float),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or "memory://",
        # Redis gone must not lock every nurse out: each worker counts on its own until it is back.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": None,
        # Staff screens are in English: WTForms' own English messages, without Flask-WTF loading its message
        # catalog again on every request (patient-facing text has its own catalogs, clinic/translations).
        "WTF_I18N_ENABLED": False,
        "SQLITE_BUSY_TIMEOUT_MS": _number("SQLITE_BUSY_TIMEOUT_MS", "30000"),
        "DB_POOL_RECYCLE_SECONDS": _number("DB_POOL_RECYCLE_SECONDS", "1800"),
        # PostgreSQL that does not answer must give a quick 503, never a worker hung until gunicorn kills it:
        # each bound stays well inside gunicorn's 30 s worker timeout (docs/operations.md).
        "DB_CONNECT_TIMEOUT_SECONDS": _number("DB_CONNECT_TIMEOUT_SECONDS", "3"),
        "DB_STATEMENT_TIMEOUT_MS": _number("DB_STATEMENT_TIMEOUT_MS", "10000"),
        "DB_POOL_TIMEOUT_SECONDS": _number("DB_POOL_TIMEOUT_SECONDS", "5"),
        "TRUSTED_PROXIES": _number("TRUSTED_PROXIES", "0"),
    }
    config.update(overrides)
    if production and (config["RATELIMIT_STORAGE_URI"] or "memory://").startswith("memory://"):
        raise ConfigError("RATELIMIT_STORAGE_URI must name a store every worker shares, e.g. redis://host:6379/0, "
                          "in production: with memory:// each gunicorn worker counts failed logins on its own.")
    return config
