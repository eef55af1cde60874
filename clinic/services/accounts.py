"""Signing in and out, users and tokens."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from ..extensions import db
from ..models import ApiToken, LoginSession, User, utcnow
from ..security import (
    check_account_password, check_password_policy, hash_password, new_token, token_digest, verify_password,
)
from ..transactions import queue_at_commit
from . import audit
from .actor import Actor
from .errors import Invalid


class AccountError(Invalid):
    """A user or token request that cannot be done, with a field to blame."""

    def __init__(self, field: str, message: str):
        super().__init__(message, {field: [message]})
        self.field = field


def find_user(username: str) -> User | None:
    """Look a user up by username, ignoring case and surrounding spaces."""
    return db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def authenticate(username: str, password: str, actor: Actor) -> User | None:
    """Return the user when the password is right and the account active; audit either way.

    Raises TooManyFailures while the account is locked (SPEC §11), whether or not it exists.
    """
    user = find_user(username)
    ok = check_account_password(username, user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        audit.record(actor, "login_failed", object_type="user",
                     object_id=user.id if user else None, details={"username": username[:64]})
        return None
    user.last_login_at = utcnow()
    audit.record(Actor.for_user(user, actor.client_addr), "login", object_type="user", object_id=user.id)
    return user


def start_login_session(user: User) -> str:
    """Record a browser signing in; return the token its cookie carries (only the hash is stored)."""
    token, digest = new_token()
    db.session.add(LoginSession(user_id=user.id, token_hash=digest, created_at=utcnow()))
    return token


def end_login_session(token: str | None) -> None:
    """End the browser session whose cookie carries `token`: any copy of that cookie is refused from now on.

    Written with the request's commit: the idle timeout ends a session during a GET, whose reading
    transaction on SQLite must not turn into a writing one (transactions.py).
    """
    if token:
        queue_at_commit("login_session_end", _end_sessions).append(token_digest(token))


def _end_sessions(connection, digests: list[str]) -> None:
    connection.execute(update(LoginSession).where(LoginSession.token_hash.in_(digests),
                                                  LoginSession.ended_at.is_(None)).values(ended_at=utcnow()))


def _end_login_sessions(user: User, keep: str | None = None) -> None:
    """End every browser session of `user` but the one whose cookie carries `keep`."""
    ending = update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
    if keep:
        ending = ending.where(LoginSession.token_hash != token_digest(keep))
    db.session.execute(ending.values(ended_at=utcnow()))


def create_user(actor: Actor, username: str, full_name: str, role: str, password: str,
                must_change_password: bool = False) -> User:
    """Create an account after checking the username is free and the password meets the policy."""
    username = username.strip()
    if not username or len(username) > 64:
        raise AccountError("username", "Enter a username of up to 64 characters.")
    if find_user(username) is not None:
        raise AccountError("username", "That username is taken.")
    if role not in ("nurse", "supervisor", "admin"):
        raise AccountError("role", "Choose nurse, supervisor or admin.")
    if not full_name.strip():
        raise AccountError("full_name", "Enter the person's full name.")
    try:
        check_password_policy(password, username)
    except ValueError as exc:
        raise AccountError("password", str(exc)) from exc
    user = User(username=username, full_name=full_name.strip(), role=role,
                password_hash=hash_password(password), active=True, must_change_password=must_change_password,
                session_epoch=0)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user_created", object_type="user", object_id=user.id,
                 details={"username": username, "role": role})
    return user


DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 365
TOKEN_DAYS_RULE = f"Give a whole number of days from 1 to {MAX_TOKEN_DAYS}."


def issue_token(actor: Actor, user: User, name: str, days: int = DEFAULT_TOKEN_DAYS) -> str:
    """Create an API token for `user` that ends after `days`; the plain token is returned once and never stored."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_TOKEN_DAYS:
        raise AccountError("expires_in_days", TOKEN_DAYS_RULE)
    token, digest = new_token()
    now = utcnow()
    row = ApiToken(user_id=user.id, name=name.strip()[:100] or "token", token_hash=digest, created_at=now,
                   expires_at=now + timedelta(days=days))
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "token_created", object_type="api_token", object_id=row.id,
                 details={"user_id": user.id, "name": row.name, "days": days})
    return token


def revoke_all_tokens(actor: Actor, user: User) -> int:
    """Revoke every live token of `user` (their password changed: whoever held it may have made them)."""
    revoked = db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                                 .values(revoked_at=utcnow())).rowcount
    if revoked:
        audit.record(actor, "tokens_revoked", object_type="user", object_id=user.id, details={"count": revoked})
    return revoked


def _active_admins() -> int:
    return db.session.scalar(select(func.count(User.id)).where(User.role == "admin", User.active.is_(True))) or 0


def _get(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        from .errors import NotFound

        raise NotFound("No such user.")
    return user


def _refuse_last_admin(user: User, doing: str) -> None:
    if user.role == "admin" and user.active and _active_admins() <= 1:
        raise AccountError("role", f"Cannot {doing} the last active admin; make another admin first.")


def change_role(actor: Actor, user_id: int, role: str) -> User:
    """Give a user another role; the last active admin keeps theirs."""
    user = _get(user_id)
    if role not in ("nurse", "supervisor", "admin"):
        raise AccountError("role", "Choose nurse, supervisor or admin.")
    if role != user.role:
        if role != "admin":
            _refuse_last_admin(user, "demote")
        before, user.role = user.role, role
        audit.record(actor, "user_role_changed", object_type="user", object_id=user.id,
                     details={"before": before, "after": role})
    return user


def set_active(actor: Actor, user_id: int, active: bool) -> User:
    """Deactivate (logged out at the next request, tokens refused at once) or reactivate a user."""
    user = _get(user_id)
    if user.active == active:
        return user
    if not active:
        _refuse_last_admin(user, "deactivate")
        user.session_epoch += 1
        _end_login_sessions(user)
    user.active = active
    audit.record(actor, "user_deactivated" if not active else "user_reactivated", object_type="user",
                 object_id=user.id)
    return user


def reset_password(actor: Actor, user_id: int, password: str) -> User:
    """Set a temporary password; the user must change it at the next login."""
    user = _get(user_id)
    try:
        check_password_policy(password, user.username)
    except ValueError as exc:
        raise AccountError("password", str(exc)) from exc
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.session_epoch += 1
    _end_login_sessions(user)
    audit.record(actor, "user_password_reset", object_type="user", object_id=user.id)
    revoke_all_tokens(actor, user)
    return user


def change_own_password(actor: Actor, user: User, old: str, new: str, this_session: str | None = None) -> None:
    """Change one's own password; the old one is required. Every other browser session of the user ends (and
    every token is revoked); the one whose cookie carries `this_session` carries on."""
    if not check_account_password(user.username, user.password_hash, old):
        raise AccountError("old_password", "The current password is not right.")
    try:
        check_password_policy(new, user.username)
    except ValueError as exc:
        raise AccountError("new_password", str(exc)) from exc
    if verify_password(user.password_hash, new):
        raise AccountError("new_password", "Choose a password different from the current one.")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_epoch += 1
    _end_login_sessions(user, keep=this_session)
    audit.record(actor, "password_changed", object_type="user", object_id=user.id)
    revoke_all_tokens(actor, user)


def revoke_token(actor: Actor, user: User | None, token_id: int) -> ApiToken:
    """Revoke a token of `user` (anyone's when None: an admin's page); it is refused from the next request on."""
    token = db.session.get(ApiToken, token_id)
    if token is None or (user is not None and token.user_id != user.id):
        from .errors import NotFound

        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(actor, "token_revoked", object_type="api_token", object_id=token.id,
                     details={"user_id": token.user_id})
    return token


def list_users() -> list[User]:
    """All users, by name."""
    return list(db.session.scalars(select(User).order_by(User.full_name, User.id)))


def tokens_of(user: User) -> list[ApiToken]:
    """A user's tokens, newest first."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.id.desc())))


def every_token() -> list[tuple[ApiToken, User]]:
    """Every user's tokens with their holder, newest first, in one query (the admin's page)."""
    return [tuple(row) for row in db.session.execute(
        select(ApiToken, User).join(User, ApiToken.user_id == User.id).order_by(ApiToken.id.desc()))]
