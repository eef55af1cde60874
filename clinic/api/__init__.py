from . import catalog, openapi, review, sessions  # noqa: F401  (register the routes)
from .base import bp

__all__ = ["bp"]
