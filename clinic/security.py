"""Passwords, API tokens and the role check used by every view."""
from __future__ import annotations

import hashlib
import secrets
from functools import wraps

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort
from flask_login import current_user

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
