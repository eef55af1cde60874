"""Log in and out."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.datastructures import MultiDict

from ..extensions import limiter
from ..models import utcnow
from ..services import accounts, audit
from ..services.actor import Actor
from ..web import LOGIN_SESSION_KEY, current_actor, current_login_session
from .forms import LoginForm, LogoutForm

bp = Blueprint("auth", __name__)

FAILED_LOGIN_MESSAGE = "The username or password is not right."
BAD_LOGIN_BODY = ("Send the username and password as form fields, or as a JSON object whose username and "
                  "password are text.")
LOGIN_FIELDS = ("username", "password", "csrf_token")


def login_fields() -> MultiDict:
    """The login's fields, parsed once from the body whatever its format.

    The credentials checked and the account whose failures are counted come from these same values: read
    apart, a JSON body's account went uncounted (issue 26). A body that is not an object of text is refused.
    """
    if "login_fields" not in g:
        if request.is_json:
            data = request.get_json(silent=True)
            if not isinstance(data, dict) or not all(isinstance(data.get(name, ""), str) for name in LOGIN_FIELDS):
                abort(400, description=BAD_LOGIN_BODY)
            g.login_fields = MultiDict({name: data[name] for name in LOGIN_FIELDS if name in data})
        else:
            g.login_fields = request.form
    return g.login_fields


def _failed(response) -> bool:
    return request.method == "POST" and response.status_code == 200


def _safe_next(target: str | None) -> str:
    """Only follow a relative path on this site after login."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("main.board")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("50 per 15 minutes", deduct_when=_failed, methods=["POST"],
               error_message="Too many failed attempts from this address. Wait and try again.")
def login():
    """Show the login form and sign the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.board"))
    # The account's own failure count (5 in 15 minutes) is kept with every other password prompt's, in
    # accounts.authenticate; the address's limit above stops one client spraying many accounts.
    form = LoginForm(formdata=login_fields() if request.method == "POST" else None)
    if form.validate_on_submit():
        user = accounts.authenticate(form.username.data, form.password.data,
                                     Actor.system(request.remote_addr))
        if user is not None:
            session.clear()  # a fresh session at login: nothing from before carries over
            login_user(user)
            session[LOGIN_SESSION_KEY] = accounts.start_login_session(user)
            session["last_seen"] = utcnow().timestamp()
            return redirect(_safe_next(request.args.get("next")))
        flash(FAILED_LOGIN_MESSAGE, "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out: the session ends on the server, and the browser forgets it."""
    form = LogoutForm()
    if form.validate_on_submit():
        audit.record(current_actor(), "logout", object_type="user", object_id=current_user.id)
        accounts.end_login_session(current_login_session())  # a copy of the cookie is refused from now on
        logout_user()
        session.clear()
        flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))
