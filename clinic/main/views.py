"""The chair board and the load balancer's health check."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..domain.flags import NEVER_HIDDEN
from ..extensions import db
from ..models import utcnow
from ..services import board
from ..web import local_today

bp = Blueprint("main", __name__)


@bp.route("/healthz")
def healthz():
    """Answer the load balancer: the app runs and reaches its database (503 when it does not)."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        current_app.logger.exception("health check: the database does not answer")
        return jsonify(status="unavailable", detail="The database does not answer."), 503
    return jsonify(status="ok")


@bp.route("/", endpoint="board")
def board_view():
    """Show today's sessions by chair; the page refreshes its table by itself."""
    now = utcnow()
    rows = board.today(local_today(), now)
    template = "main/_board_rows.html" if request.args.get("partial") == "1" else "main/board.html"
    return render_template(template, rows=rows, now=now, never_hidden=NEVER_HIDDEN)
