"""Passwords, API tokens and the role check used by every view."""
from __future__ import annotations

import hashlib
import logging
import secrets
from functools import wraps

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app
from flask_login import current_user
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter, RateLimiter

from .extensions import limiter
from .services.errors import ServiceError

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps the timing the same.
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")


class PasswordPolicyError(ValueError):
    """The password does not meet the policy."""


def check_password_policy(password: str, username: str | None = None) -> None:
    """Refuse passwords that are short, blank or the username."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    if not password.strip():
        raise PasswordPolicyError("A password cannot be only spaces.")
    if username and password.casefold() == username.casefold():
        raise PasswordPolicyError("The password cannot be the username.")


def hash_password(password: str) -> str:
    """Hash with argon2id; the hash embeds its own salt and parameters."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; a missing user still costs one verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


# One count per account for every prompt that takes its password (login in any body format, finalize, password
# change): were each counted apart, a locked login would leave the others to guess on (SPEC §11).
ACCOUNT_FAILURES = parse("5 per 15 minutes")
_ACCOUNT_SCOPE = "password-account"
TOO_MANY_FAILURES = "Too many failed attempts. Wait a few minutes and try again."
_fallback: RateLimiter | None = None


class TooManyFailures(ServiceError):
    """The account's password was given wrongly too often: every prompt refuses it for a while."""

    status = 429


def account_key(username: str) -> str:
    """The account as the count knows it: usernames are matched ignoring case and surrounding spaces."""
    return (username or "").strip().lower()


def _counting() -> bool:
    return bool(limiter.enabled and current_app.config.get("RATELIMIT_ENABLED"))


def _in_store(action):
    """Count in the store every worker shares (Redis in production); while it is unreachable, in this worker's
    memory, as the login's other limits do: Redis down must neither lock everyone out nor stop the count."""
    global _fallback
    try:
        return action(limiter.limiter)
    except Exception:  # each store's client raises its own errors (redis.ConnectionError, TimeoutError, ...)
        log.warning("password failure count: the rate-limit store is unreachable; counting in this worker")
        _fallback = _fallback or FixedWindowRateLimiter(MemoryStorage())
        return action(_fallback)


def check_account_password(username: str, password_hash: str | None, password: str) -> bool:
    """Check a password typed at any prompt against the account's one failure count.

    A locked account is refused (429) before the password is looked at, so the right one does not get in
    either; a wrong one counts a failure.
    """
    key = account_key(username)
    if _counting() and not _in_store(lambda counter: counter.test(ACCOUNT_FAILURES, _ACCOUNT_SCOPE, key)):
        raise TooManyFailures(TOO_MANY_FAILURES)
    if verify_password(password_hash, password):
        return True
    if _counting():
        _in_store(lambda counter: counter.hit(ACCOUNT_FAILURES, _ACCOUNT_SCOPE, key))
    return False


def new_token() -> tuple[str, str]:
    """Return (token shown once, hash stored). Tokens are random, so SHA-256 suffices."""
    token = "cs_" + secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    """Hash a presented token for lookup."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def role_required(role: str):
    """Refuse (403) a signed-in user whose role does not include `role`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                abort(401)
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorator
