"""The drug and reaction catalog: readable by supervisors, edited by admins."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from ..domain.catalog_rules import SOURCE_KEYS
from ..formtools import show_service_error
from ..input_guard import database_id
from ..security import role_required
from ..services import catalog_admin
from ..services.errors import Conflict, Invalid, ServiceError
from ..web import current_actor, local_today
from .drug_form import NEW_DRUG, DrugForm, form_data
from .forms import ReactionForm
from .views import bp

_AUTO = object()  # the request's form data, as Flask-WTF reads it


@bp.route("/catalog")
@role_required("supervisor")
def catalog():
    """List each drug's protocol (the version in force) and the reaction checklist."""
    reactions = catalog_admin.all_reactions()
    return render_template("admin/catalog.html", drugs=catalog_admin.drugs_in_force(), reactions=reactions,
                           reaction_labels={r.code: r.label for r in reactions}, sources=SOURCE_KEYS)


def _drug_form(data: dict, formdata=_AUTO) -> DrugForm:
    form = DrugForm(data=data) if formdata is _AUTO else DrugForm(formdata=formdata, data=data)
    form.offer([(r.code, r.label + ("" if r.active else " (inactive)")) for r in catalog_admin.all_reactions()],
               catalog_admin.drug_names())
    return form


def _drug_form_page(form: DrugForm, title: str, code: str | None):
    """Add a row, refuse with each field named, or save a new version and go back to the catalog."""
    if not form.is_submitted():
        return render_template("admin/drug_form.html", form=form, title=title, code=code)
    if form.add.data:
        form.add_row(form.add.data)
        return render_template("admin/drug_form.html", form=form, title=title, code=code)
    if not form.validate():
        return render_template("admin/drug_form.html", form=form, title=title, code=code), 422
    definition = form.definition()
    opened_at = str(form.based_on.data or "")
    based_on = database_id(opened_at)
    try:
        drug = catalog_admin.save_drug(current_actor(), definition, today=local_today(), code=code,
                                       based_on=based_on)
    except Invalid as exc:
        # Shown again as the service read it (removed and empty rows gone), so each path names its input.
        shown = _drug_form({**form_data(definition), "based_on": opened_at}, formdata=None)
        shown.place_errors(exc.fields)
        return render_template("admin/drug_form.html", form=shown, title=title, code=code), exc.status
    except Conflict as exc:
        flash(exc.message, "error")
        return render_template("admin/drug_form.html", form=form, title=title, code=code), exc.status
    flash(f"Saved {drug.brand}. Sessions already recorded keep the version they were recorded with.", "success")
    return redirect(url_for("admin.catalog", _anchor=f"drug-{drug.code}"))


@bp.route("/catalog/drugs/new", methods=["GET", "POST"])
@role_required("admin")
def drug_new():
    """Add a drug, from scratch or from a copy of one (e.g. a new biosimilar with its own protocol)."""
    copy = request.args.get("copy")
    found = catalog_admin.drug_in_force(copy) if copy else None
    data = {**form_data(found[1]), "code": ""} if found else NEW_DRUG
    return _drug_form_page(_drug_form(data), "Add a drug", code=None)


@bp.route("/catalog/drugs/<code>", methods=["GET", "POST"])
@role_required("admin")
def drug_edit(code: str):
    """Edit every part of a drug; saving makes a new catalog version."""
    found = catalog_admin.drug_in_force(code)
    if found is None:
        abort(404)
    version, drug = found
    form = _drug_form({**form_data(drug), "based_on": version.version})
    form.code.data = code  # the code identifies the drug and never changes
    return _drug_form_page(form, f"Edit {drug.brand} (version {version.version})", code=code)


def _reaction_form_page(form, title, new):
    if form.validate_on_submit():
        try:
            catalog_admin.save_reaction(current_actor(), form.data, new=new)
        except ServiceError as exc:
            show_service_error(form, exc)
            return render_template("admin/reaction_form.html", form=form, title=title), exc.status
        else:
            flash("Reaction saved. Entries already recorded keep what they were recorded with.", "success")
            return redirect(url_for("admin.catalog"))
    return render_template("admin/reaction_form.html", form=form, title=title)


@bp.route("/catalog/reactions/new", methods=["GET", "POST"])
@role_required("admin")
def reaction_new():
    """Add a reaction to the checklist."""
    return _reaction_form_page(ReactionForm(), "Add a reaction", new=True)


@bp.route("/catalog/reactions/<code>", methods=["GET", "POST"])
@role_required("admin")
def reaction_edit(code: str):
    """Edit a reaction of the checklist."""
    row = catalog_admin.reaction_by_code(code)
    if row is None:
        abort(404)
    form = ReactionForm(data={"code": row.code, "label": row.label, "group": row.reaction_group,
                              "systems": [s for s in row.systems.split(",") if s], "help_text": row.help_text,
                              "active": row.active})
    form.code.render_kw = {"readonly": True}
    form.code.data = code
    return _reaction_form_page(form, f"Edit {row.label}", new=False)
