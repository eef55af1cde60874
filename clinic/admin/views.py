"""User accounts, for admins."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from ..extensions import db
from ..formtools import show_service_error
from ..security import role_required
from ..services import accounts
from ..services.errors import ServiceError
from ..web import current_actor
from ..models import utcnow
from .forms import ActiveForm, ResetPasswordForm, RevokeTokenForm, RoleForm, UserForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users")
@role_required("admin")
def users():
    """List users with role, active state and last login."""
    return render_template("admin/users.html", users=accounts.list_users())


@bp.route("/users/new", methods=["GET", "POST"])
@role_required("admin")
def user_new():
    """Create a user with an initial password they change at first login."""
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(current_actor(), form.username.data, form.full_name.data, form.role.data,
                                        form.password.data, must_change_password=True)
        except ServiceError as exc:
            show_service_error(form, exc)
            return render_template("admin/user_new.html", form=form), exc.status
        else:
            flash(f"Created {user.username}. They choose their own password at first login.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_new.html", form=form)


@bp.route("/users/<int:user_id>")
@role_required("admin")
def user_edit(user_id: int):
    """Show one user with the actions an admin can take."""
    return _user_page(user_id)


def _user_page(user_id: int, status: int = 200):
    user = db.session.get(accounts.User, user_id)
    if user is None:
        abort(404)
    return render_template("admin/user_edit.html", user=user, role_form=RoleForm(role=user.role),
                           reset_form=ResetPasswordForm(), active_form=ActiveForm()), status


ACTIONS = {
    "role": (RoleForm, lambda actor, user_id, form: accounts.change_role(actor, user_id, form.role.data),
             "Role changed."),
    "deactivate": (ActiveForm, lambda actor, user_id, form: accounts.set_active(actor, user_id, False),
                   "Deactivated: logged out at the next request, tokens refused."),
    "reactivate": (ActiveForm, lambda actor, user_id, form: accounts.set_active(actor, user_id, True), "Reactivated."),
    "reset_password": (ResetPasswordForm,
                       lambda actor, user_id, form: accounts.reset_password(actor, user_id, form.password.data),
                       "Password reset; the user must change it at next login."),
}


@bp.route("/users/<int:user_id>/<any(role, deactivate, reactivate, reset_password):action>", methods=["POST"])
@role_required("admin")
def user_action(user_id: int, action: str):
    """Change a role, deactivate, reactivate or reset a password."""
    form_class, run, message = ACTIONS[action]
    form = form_class()
    if not form.validate_on_submit():
        flash("Check the form: " + "; ".join(" ".join(e) for e in form.errors.values()), "error")
        return redirect(url_for("admin.user_edit", user_id=user_id))
    try:
        run(current_actor(), user_id, form)
    except ServiceError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
        return _user_page(user_id, exc.status)
    flash(message, "success")
    return redirect(url_for("admin.user_edit", user_id=user_id))


@bp.route("/tokens")
@role_required("admin")
def tokens():
    """Every user's API tokens: holder, name, created, last used, expiry and state, with revoke."""
    return render_template("admin/tokens.html", tokens=accounts.every_token(), revoke_form=RevokeTokenForm(),
                           now=utcnow())


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@role_required("admin")
def token_revoke(token_id: int):
    """Revoke any user's token (audited)."""
    if not RevokeTokenForm().validate_on_submit():
        abort(400)
    accounts.revoke_token(current_actor(), None, token_id)
    flash("Token revoked.", "success")
    return redirect(url_for("admin.tokens"))
