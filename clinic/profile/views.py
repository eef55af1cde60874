"""Each user's own profile: password and API tokens."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_user

from ..formtools import show_service_error
from ..models import utcnow
from ..services import accounts
from ..services.errors import ServiceError
from ..web import current_actor, current_login_session
from .forms import PasswordForm, RevokeForm, TokenForm

bp = Blueprint("profile", __name__, url_prefix="/profile")


def _page(password_form=None, token_form=None, new_token=None, status=200):
    return render_template("profile/index.html", password_form=password_form or PasswordForm(),
                           token_form=token_form or TokenForm(), revoke_form=RevokeForm(),
                           tokens=accounts.tokens_of(current_user), new_token=new_token, now=utcnow()), status


@bp.route("", strict_slashes=False)
def index():
    """Show the password form and the user's tokens."""
    return _page()


@bp.route("/password", methods=["POST"])
def password():
    """Change one's own password (the current one is required)."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_own_password(current_actor(), current_user, form.old_password.data,
                                         form.new_password.data, current_login_session())
        except ServiceError as exc:
            show_service_error(form, exc)
            return _page(password_form=form, status=exc.status)
        login_user(current_user._get_current_object())  # other sessions end; this one carries on
        flash("Password changed. Other browser sessions have been logged out.", "success")
        return redirect(url_for("profile.index"))
    return _page(password_form=form, status=422)


@bp.route("/tokens", methods=["POST"])
def token_new():
    """Create an API token; it is shown once and stored only as a hash."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(token_form=form, status=422)
    token = accounts.issue_token(current_actor(), current_user, form.name.data, form.days())
    return _page(new_token=token)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
def token_revoke(token_id: int):
    """Revoke one of your tokens."""
    if not RevokeForm().validate_on_submit():
        abort(400)
    accounts.revoke_token(current_actor(), current_user, token_id)
    flash("Token revoked.", "success")
    return redirect(url_for("profile.index"))
