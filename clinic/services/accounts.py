"""Signing in and out, users and tokens."""
from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..models import ApiToken, User, utcnow
from ..security import check_password_policy, hash_password, new_token, verify_password
from . import audit
from .actor import Actor


class AccountError(ValueError):
    """A user or token request that cannot be done, with a field to blame."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def find_user(username: str) -> User | None:
    """Look a user up by username, ignoring case and surrounding spaces."""
    return db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def authenticate(username: str, password: str, actor: Actor) -> User | None:
    """Return the user when the password is right and the account active; audit either way."""
    user = find_user(username)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        audit.record(actor, "login_failed", object_type="user",
                     object_id=user.id if user else None, details={"username": username[:64]})
        return None
    user.last_login_at = utcnow()
    audit.record(Actor.for_user(user, actor.client_addr), "login", object_type="user", object_id=user.id)
    return user


def create_user(actor: Actor, username: str, full_name: str, role: str, password: str) -> User:
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
                password_hash=hash_password(password), active=True)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user_created", object_type="user", object_id=user.id,
                 details={"username": username, "role": role})
    return user


def issue_token(actor: Actor, user: User, name: str) -> str:
    """Create an API token for `user`; the plain token is returned once and never stored."""
    token, digest = new_token()
    row = ApiToken(user_id=user.id, name=name.strip()[:100] or "token", token_hash=digest)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "token_created", object_type="api_token", object_id=row.id,
                 details={"user_id": user.id, "name": row.name})
    return token
