"""Error pages and JSON errors, chosen by where the request was going."""
from __future__ import annotations

import logging

from flask import current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from .extensions import db
from .services.errors import ServiceError

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "invalid", 429: "too_many_requests",
    500: "server_error", 503: "unavailable",
}
TITLES = {
    400: "Bad request", 401: "Please log in", 403: "Not allowed", 404: "Not found", 405: "Not allowed",
    409: "Conflict", 413: "Too large", 415: "Unsupported", 422: "Check the form", 429: "Too many attempts",
    500: "Something went wrong", 503: "Try again shortly",
}
CONCURRENT = "The same record was being saved at the same moment by someone else. Nothing was saved. Reload and check."
UNAVAILABLE = "The database did not answer in time. Nothing was saved. Try again in a moment."
# A server that does not answer (connect or statement timeout, a dropped connection), SQLite's lock waited
# for past its busy timeout, or no pooled connection free in time.
DATABASE_UNAVAILABLE = (OperationalError, PoolTimeout)


def _unique_violation(error: IntegrityError) -> bool:
    orig = error.orig
    return getattr(orig, "sqlstate", None) == "23505" or str(orig).startswith("UNIQUE constraint failed")


def wants_json() -> bool:
    """Tell whether the client is the JSON API."""
    return request.path.startswith("/api/")


def json_error(status: int, message: str, fields: dict | None = None, code: str | None = None):
    """Build the API's error body (SPEC §8)."""
    body = {"error": {"code": code or CODES.get(status, "error"), "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return jsonify(body), status


def _respond(status: int, message: str):
    if wants_json():
        body, status = json_error(status, message)
        return body, status, {"Retry-After": "5"} if status == 503 else {}
    if status == 503:
        # Rendered without the context processors: Flask-Login's would read the signed-in user, and wait for
        # the database again.
        page = current_app.jinja_env.get_template("errors/503.html").render(
            title=TITLES[503], message=message, clinic_name=current_app.config["CLINIC_NAME"])
        return page, 503, {"Retry-After": "5"}
    template = f"errors/{status}.html" if status in (403, 404, 500) else "errors/generic.html"
    return render_template(template, status=status, title=TITLES.get(status, "Error"), message=message), status


def init_app(app) -> None:
    """Answer every error the same way for every view: the page or the API's JSON, the work rolled back.

    A request that ends in an error status is rolled back by transactions.finish_request; the
    handlers roll back first as well, because rendering the answer may read the database.
    """
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        log.info("CSRF refused: %s", error.description)
        return _respond(400, "The form expired or was not sent from this site. Reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(error):
        if isinstance(getattr(error, "original_exception", None), DATABASE_UNAVAILABLE):
            return unavailable(error.original_exception)  # raised by the commit, after the view
        if error.code == 401 and not wants_json():
            from .web import redirect_to_login

            return redirect_to_login()
        return _respond(error.code or 500, error.description or TITLES.get(error.code, "Error"))

    @app.errorhandler(ServiceError)
    def refused(error):
        """A service refused: its status and words, and nothing of the request is kept."""
        db.session.rollback()
        if wants_json():
            return json_error(error.status, error.message, error.fields or None, error.code)
        return _respond(error.status, error.message)

    for kind in DATABASE_UNAVAILABLE:
        app.register_error_handler(kind, unavailable)
    app.register_error_handler(IntegrityError, refused_by_the_database)
    app.register_error_handler(Exception, server_error)


def unavailable(error):
    """The database did not answer in time: 503 at once, the page or the JSON, rather than a hung worker."""
    try:
        db.session.rollback()
    except DATABASE_UNAVAILABLE:
        pass  # the connection is gone with its work; the pool replaces it
    log.error("database unavailable on %s %s: %s", request.method, request.path, error)
    return _respond(503, UNAVAILABLE)


def refused_by_the_database(error):
    """Two requests saving the same unique value at once (two registrations of one MRN on PostgreSQL, where both
    pass the service's check before either commits): the loser gets 409, as the check would have said. Any other
    constraint the database refuses is a validation gap: a 500, so that it is seen and fixed."""
    if not _unique_violation(error):
        return server_error(error)
    db.session.rollback()
    log.warning("a unique constraint refused a write on %s %s: %s", request.method, request.path,
                str(error.orig).splitlines()[0])
    return _respond(409, CONCURRENT)


def server_error(error):
    db.session.rollback()
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _respond(500, "Something went wrong. Nothing was saved. Try again, and tell a supervisor if it keeps happening.")
