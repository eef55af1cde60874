from . import catalog_views  # noqa: F401  (registers the catalog screens)
from .views import bp

__all__ = ["bp"]
