from . import catalog, exports, openapi, reports, review, sessions  # noqa: F401  (register the routes)
from .base import bp

__all__ = ["bp"]
