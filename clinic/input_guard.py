"""What every request's raw input must be before any of it reaches a view or the database (SPEC §11).

One place for the rules the schemas, the forms and the request hooks share: which characters text may
hold (PostgreSQL refuses NUL and text that is not UTF-8; control characters corrupt screens, PDFs and CSV),
how a number from an address or a header is read (ASCII digits, within the database's integer), how deep
a JSON body may nest (Python's parser recurses: a deep body would exhaust the stack), and how a day from
an address is bounded (so arithmetic on it never leaves the calendar).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date

MAX_ID = 2**31 - 1  # the databases' INTEGER
MAX_JSON_DEPTH = 32  # the deepest request body the API describes is 3 levels
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)

_DIGITS = re.compile(r"[0-9]{1,10}")
# C0 and C1 controls and DEL, surrogates (not UTF-8), and the line and paragraph separators.
_NEVER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")
_LINE_BREAKS = re.compile("[\t\n\r]")
# What a person cannot see: format characters (zero-width spaces and joiners, direction marks, the BOM,
# the soft hyphen), spaces and controls.
_INVISIBLE_CATEGORIES = {"Cf", "Cc", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"}

ONE_LINE_WORDS = "use one line of text without control characters"
MULTI_LINE_WORDS = "remove the control characters (only new lines and tabs are allowed)"
INVISIBLE_WORDS = "has only invisible characters: type what you mean, or leave it empty if allowed"


def text_problem(value: str, *, multi_line: bool = False) -> str | None:
    """Why this text cannot be stored as it is, or None: control characters, or line breaks in one line."""
    if _NEVER.search(value) or (not multi_line and _LINE_BREAKS.search(value)):
        return MULTI_LINE_WORDS if multi_line else ONE_LINE_WORDS
    return None


def visible(value: str) -> bool:
    """Tell whether the text has at least one character a person can see."""
    return any(unicodedata.category(char) not in _INVISIBLE_CATEGORIES for char in value)


def database_id(raw: str | None) -> int | None:
    """Read an id from an address or a header: ASCII digits within the database's integer, else None."""
    if raw is None or not _DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


def calendar_day(raw: str | None) -> date | None:
    """Read a YYYY-MM-DD day from an address, between 1900 and 2999 (so a day after it still exists)."""
    if not raw or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def json_depth_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Tell whether a JSON text nests deeper than `limit`, without parsing it (strings are skipped)."""
    depth = 0
    for token in re.finditer(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', body, re.S):
        char = token.group()[:1]
        if char in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif char in (b"]", b"}"):
            depth -= 1
    return False


def query_problems(args) -> dict[str, list[str]]:
    """The query parameters whose text could not reach the database, with why."""
    problems: dict[str, list[str]] = {}
    for name, value in args.items(multi=True):
        why = text_problem(name) or text_problem(value)
        if why:
            problems.setdefault(name if not text_problem(name) else "query", []).append(why)
    return problems


def init_app(app) -> None:
    """Refuse, before any view runs, a body nested too deep and an address with control characters."""
    from flask import request

    from .errors import json_error, wants_json

    @app.before_request
    def guard_raw_input():
        if _streamed_past_the_limit(request):
            return _refuse(413, "The request body is larger than the server accepts.")
        if request.is_json and request.method in ("POST", "PUT", "PATCH") and \
                json_depth_exceeds(request.get_data(cache=True)):
            return _refuse(400, f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.")
        problems = query_problems(request.args)
        if problems:
            return _refuse(422, "The address has characters that are not allowed.", problems)
        return None

    def _streamed_past_the_limit(request) -> bool:
        """A chunked body (no Content-Length) is cut at MAX_CONTENT_LENGTH by werkzeug without an error when
        read whole: a body that fills the limit is taken as one over it (413), not parsed cut short (400)."""
        limit = request.max_content_length
        if limit is None or request.content_length is not None or \
                not request.environ.get("wsgi.input_terminated") or request.method not in ("POST", "PUT", "PATCH"):
            return False
        return len(request.get_data(cache=True)) >= limit

    def _refuse(status, message, fields=None):
        if wants_json():
            return json_error(status, message, fields)
        from flask import render_template

        detail = "; ".join(f"{name}: {' '.join(why)}" for name, why in (fields or {}).items())
        return render_template("errors/generic.html", status=status, title="Check the address",
                               message=f"{message} {detail}".strip()), status
