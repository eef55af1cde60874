"""Request-wide concerns: who is signed in, idle timeout, headers, template helpers."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app, flash, g, make_response, redirect, request, session, url_for
from flask_login import current_user, logout_user
from sqlalchemy import bindparam, select, update

from . import transactions
from .domain import lifecycle
from .extensions import db, login_manager
from .formatting import decimal_text
from .models import ApiToken, LoginSession, User, utcnow
from .security import token_digest
from .services.actor import Actor

# The session cookie's key for the token of its row in login_sessions (logging out ends the row).
LOGIN_SESSION_KEY = "login_session"
# Endpoints anyone may reach; everything else needs a signed-in user.
PUBLIC_ENDPOINTS = {"auth.login", "main.healthz", "static", "api.openapi"}
POLL_HEADER = "X-Chairside-Poll"
CHANGE_PASSWORD_ENDPOINTS = {"profile.index", "profile.password", "auth.logout"}
# (endpoint, label, least role); links whose feature is not installed are left out.
NAV_LINKS = (
    ("patients.index", "Patients", "nurse"),
    ("sessions.new", "Check in", "nurse"),
    ("review.queue", "Review queue", "supervisor"),
    ("reports.index", "Reports", "supervisor"),
    ("audit.index", "Audit log", "supervisor"),
    ("admin.catalog", "Catalog", "supervisor"),
    ("admin.users", "Users", "admin"),
    ("profile.index", "Profile", "nurse"),
)


def clinic_tz() -> ZoneInfo:
    """Return the clinic's time zone (times are stored in UTC, shown in this zone)."""
    return ZoneInfo(current_app.config["CLINIC_TIMEZONE"])


def local_today():
    """Return today's date in the clinic's zone (the chair board's day)."""
    return utcnow().astimezone(clinic_tz()).date()


def current_actor() -> Actor:
    """Return the signed-in user as the actor for a service call."""
    return Actor.for_user(current_user, request.remote_addr)


def pdf_response(data: bytes, filename: str):
    """Send PDF bytes to be shown inline."""
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def redirect_to_login():
    """Send the browser to the login page, remembering where it was going."""
    target = request.full_path if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target.rstrip("?") if target else None))


def current_login_session() -> str | None:
    """The token of this browser's row in login_sessions, from its cookie."""
    token = session.get(LOGIN_SESSION_KEY)
    return token if isinstance(token, str) and token else None


# Built once: every page request runs it, in the one query that loading the user took before.
_SESSION_HOLDER = (
    select(User).join(LoginSession, LoginSession.user_id == User.id)
    .where(LoginSession.token_hash == bindparam("digest"), LoginSession.ended_at.is_(None))
)


@login_manager.user_loader
def load_user(session_id: str):
    """Load the user of a browser session the server still knows as live; ended, a stale epoch or an inactive
    user: nobody. The signed cookie alone is not enough: a copy of it outlives a logout otherwise."""
    if request.path.startswith("/api/"):
        return None  # the API takes bearer tokens only, never the cookie
    user_id, _, epoch = session_id.partition(":")
    token = current_login_session()
    if not user_id.isdigit() or not epoch.isdigit() or token is None:
        return None
    user = db.session.scalar(_SESSION_HOLDER, {"digest": token_digest(token)})
    if user is None or user.id != int(user_id) or not user.active or user.session_epoch != int(epoch):
        return None
    return user


# Built once: every API request runs it.
_TOKEN_HOLDER = (
    select(User, ApiToken.id, ApiToken.revoked_at, ApiToken.last_used_at, ApiToken.expires_at)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("digest"))
)


@login_manager.request_loader
def load_user_from_token(req):
    """Authenticate an API request by its bearer token; revoked, expired or inactive: nobody."""
    if not req.path.startswith("/api/"):
        return None
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    row = db.session.execute(_TOKEN_HOLDER, {"digest": token_digest(token.strip())}).first()
    if row is None:
        return None
    user, token_id, revoked_at, last_used_at, expires_at = row
    if revoked_at is not None or expires_at <= utcnow() or not user.active:
        return None
    g.api_token_id = token_id
    _note_token_use(token_id, last_used_at)
    return user


def _note_token_use(token_id: int, last_used_at: datetime | None) -> None:
    """Keep 'last used' to the minute, written with the request's commit: on every request it would
    make every API read a write."""
    now = utcnow()
    if last_used_at is not None and now - last_used_at <= timedelta(minutes=1):
        return
    stamp = update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now)
    transactions.queue_at_commit("token_use", lambda connection, _items: connection.execute(stamp))


def _idle_expired() -> bool:
    last_seen = session.get("last_seen")
    if last_seen is None:
        return False
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    return utcnow() - datetime.fromtimestamp(last_seen, tz=timezone.utc) > idle


def _require_login():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if request.path.startswith("/api/"):
        if not current_user.is_authenticated:
            from .errors import json_error

            return json_error(401, "A valid bearer token is required.")
        return None
    if not current_user.is_authenticated:
        if "_user_id" in session:
            session.clear()  # a session the server ended: nothing of it is kept, its idle clock included
        return redirect_to_login()
    if _idle_expired():
        from .services import accounts

        accounts.end_login_session(current_login_session())  # every copy of the cookie ends with it
        logout_user()
        session.clear()
        flash("You were logged out after a period without activity. Please log in again.", "info")
        return redirect_to_login()
    if current_user.must_change_password and request.endpoint not in CHANGE_PASSWORD_ENDPOINTS:
        # No flash here: the profile page itself says "Choose a new password" while it is owed (shown once).
        return redirect(url_for("profile.index"))
    if request.headers.get(POLL_HEADER) != "1":  # the board's auto-refresh is not activity
        session["last_seen"] = utcnow().timestamp()
    return None


def _security_headers(response):
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if current_app.config["ENV"] == "production":
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def local_time(value: datetime | None, fmt: str = "%H:%M") -> str:
    """Format a UTC datetime in the clinic's zone."""
    if value is None:
        return ""
    return value.astimezone(clinic_tz()).strftime(fmt)


DISPOSITION_WORDS = {"home": "went home", "emergency_department": "to the emergency department",
                     "admitted": "admitted to hospital", "other": "elsewhere"}
ACTION_WORDS = {
    "none": "No action", "rate_slowed": "Rate slowed", "paused": "Infusion paused", "stopped": "Infusion stopped",
    "medication_given": "Medication given", "emergency_response": "Emergency response",
}


def minutes_text(delta) -> str:
    """Show a timedelta as hours and minutes."""
    minutes = int(delta.total_seconds() // 60)
    hours, rest = divmod(abs(minutes), 60)
    sign = "-" if minutes < 0 else ""
    return f"{sign}{hours} h {rest} min" if hours else f"{sign}{rest} min"


def init_app(app) -> None:
    app.before_request(_require_login)
    app.after_request(transactions.finish_request)
    app.after_request(_security_headers)
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["local_datetime"] = lambda v: local_time(v, "%Y-%m-%d %H:%M")
    app.jinja_env.filters["dose"] = lambda v: decimal_text(v) or ""
    app.jinja_env.filters["minutes_text"] = minutes_text
    app.jinja_env.filters["status_word"] = lifecycle.label
    app.jinja_env.filters["action_word"] = lambda v: ACTION_WORDS.get(v, v)
    app.jinja_env.filters["disposition_word"] = lambda v: DISPOSITION_WORDS.get(v, v)

    @app.context_processor
    def inject_clinic():
        links = [link for link in NAV_LINKS if link[0] in app.view_functions]
        return {"clinic_name": app.config["CLINIC_NAME"], "idle_minutes": app.config["SESSION_IDLE_MINUTES"],
                "nav_links": links}
