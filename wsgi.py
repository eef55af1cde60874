"""Entry point for gunicorn (`wsgi:app`) and the `flask` command."""
import gc

from clinic import create_app

app = create_app()
# What start-up made (models, routes, compiled templates, the catalog) lives as long as the process.
# Frozen, the collector no longer walks it all again in the middle of a request.
gc.freeze()
