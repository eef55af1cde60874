"""The drug and reaction catalog: readable by supervisors, edited by admins."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from ..domain import catalog as data
from ..formtools import show_service_error
from ..security import role_required
from ..services import catalog_admin
from ..services.errors import ServiceError
from ..web import current_actor
from .forms import DrugForm, ReactionForm
from .views import bp


@bp.route("/catalog")
@role_required("supervisor")
def catalog():
    """List drugs (with their version in force) and reactions."""
    entries = [(drug, version, data.Drug.from_dict(version.definition))
               for drug, version in catalog_admin.drugs_in_force()]
    return render_template("admin/catalog.html", drugs=entries, reactions=catalog_admin.all_reactions())


def _drug_form_page(form, title, new):
    if form.validate_on_submit():
        try:
            entry = catalog_admin.save_drug(current_actor(), form.data, new=new)
        except ServiceError as exc:
            show_service_error(form, exc)
            return render_template("admin/drug_form.html", form=form, title=title, new=new), exc.status
        else:
            flash(f"Saved {entry.brand}. Sessions already recorded keep the version they were recorded with.",
                  "success")
            return redirect(url_for("admin.catalog"))
    return render_template("admin/drug_form.html", form=form, title=title, new=new)


@bp.route("/catalog/drugs/new", methods=["GET", "POST"])
@role_required("admin")
def drug_new():
    """Add a drug, e.g. a new biosimilar."""
    return _drug_form_page(DrugForm(), "Add a drug", new=True)


@bp.route("/catalog/drugs/<code>", methods=["GET", "POST"])
@role_required("admin")
def drug_edit(code: str):
    """Edit a drug; saving makes a new catalog version."""
    found = catalog_admin.version_in_force(code)
    if found is None:
        abort(404)
    form = DrugForm(data=catalog_admin.drug_form_values(data.Drug.from_dict(found.definition)))
    form.code.render_kw = {"readonly": True}
    form.code.data = code  # the code identifies the drug and never changes
    return _drug_form_page(form, f"Edit {found.definition['brand']} (version {found.version})", new=False)


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
