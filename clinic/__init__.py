"""Chairside: infusion session and reaction logger."""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from .config import load_config


class DatabaseId(IntegerConverter):
    """Ids in URLs fit the database's integer: a larger number is simply not found (404)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(test_config: dict | None = None) -> Flask:
    """Create and wire the application. No database or network work happens here."""
    app = Flask(__name__, template_folder="../templates", instance_relative_config=True)
    app.config.from_mapping(load_config(app.instance_path, test_config))
    app.url_map.converters["int"] = DatabaseId
    trust_proxies(app)
    register_extensions(app)
    register_blueprints(app)
    register_hooks(app)
    register_commands(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind a load balancer, take the client's address and scheme from the headers it adds.

    Only as many hops as were configured: a client can send X-Forwarded-For itself, and trusting it
    would let anyone choose the address that login throttling counts and the audit log records.
    """
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def engine_options(config) -> dict:
    """How the app connects: SQLite's busy timeout, or a server's pooled connections checked before use and
    bounded in time. Either way, errors are logged without the statement's parameters (patients' data)."""
    from .transactions import sqlite_connect_args

    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return {"connect_args": sqlite_connect_args(config["SQLITE_BUSY_TIMEOUT_MS"]), "hide_parameters": True}
    # A server may drop a pooled connection (a restart, an idle timeout): each is pinged before use,
    # and none is kept longer than the server's or a firewall's idle limits usually allow.
    return {
        "pool_pre_ping": True, "pool_recycle": config["DB_POOL_RECYCLE_SECONDS"],
        "pool_timeout": config["DB_POOL_TIMEOUT_SECONDS"], "hide_parameters": True,
        # A server that accepts and never answers, or a statement stuck behind a lock, ends in an
        # OperationalError that errors.py answers with 503.
        "connect_args": {"connect_timeout": config["DB_CONNECT_TIMEOUT_SECONDS"],
                         "options": f"-c statement_timeout={config['DB_STATEMENT_TIMEOUT_MS']}"},
    }


def register_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (the metadata must be complete for Alembic)
    from .extensions import csrf, db, limiter, login_manager, migrate

    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config))
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)
    from . import i18n

    i18n.init_app(app)


def register_blueprints(app: Flask) -> None:
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .audit import bp as audit_bp
    from .auth import bp as auth_bp
    from .main import bp as main_bp
    from .patients import bp as patients_bp
    from .profile import bp as profile_bp
    from .reports import bp as reports_bp
    from .review import bp as review_bp
    from .sessions import bp as sessions_bp

    for blueprint in (auth_bp, main_bp, patients_bp, sessions_bp, review_bp, reports_bp, audit_bp, admin_bp,
                      profile_bp, api_bp):
        app.register_blueprint(blueprint)


def register_hooks(app: Flask) -> None:
    from . import errors, input_guard, web

    errors.init_app(app)
    input_guard.init_app(app)
    web.init_app(app)


def register_commands(app: Flask) -> None:
    from .cli import register

    register(app)
