"""Who is acting, passed explicitly into every service call."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str | None
    role: str | None
    client_addr: str | None

    @classmethod
    def system(cls, label: str = "cli") -> Actor:
        """Return the actor for work started from the command line."""
        return cls(user_id=None, username=None, role=None, client_addr=label)

    @classmethod
    def for_user(cls, user, client_addr: str | None) -> Actor:
        """Return the actor for a signed-in user at an address."""
        return cls(user_id=user.id, username=user.username, role=user.role, client_addr=client_addr)
