"""Admins' edits of the catalog: each one a new version; recorded sessions keep theirs."""
from __future__ import annotations

from datetime import date

from pydantic import ValidationError
from sqlalchemy import select

from ..domain import catalog_rules, protocols
from ..extensions import db
from ..models import Drug, DrugVersion, Reaction, utcnow
from . import audit
from .actor import Actor
from .catalog import _add_drug_version, _as_stored
from .errors import Conflict, Invalid, NotFound
from .validation import field_errors

CODE = catalog_rules.CODE_PATTERN
SYSTEMS = {"skin_mucosal", "respiratory", "circulatory", "gastrointestinal", "laryngeal"}


def _code(value: str, field: str) -> str:
    value = value.strip()
    if not CODE.match(value):
        raise Invalid.field(field, f"codes are lower-case letters, digits and underscores ({value!r})")
    return value


def drugs_in_force() -> list[tuple[Drug, DrugVersion, protocols.Drug]]:
    """Every drug with the catalog version in force and its definition, in one query."""
    rows = db.session.execute(
        select(Drug, DrugVersion).join(DrugVersion, (DrugVersion.drug_code == Drug.code)
                                       & (DrugVersion.version == Drug.current_version)).order_by(Drug.id)).all()
    return [(drug, version, protocols.Drug.from_dict(version.definition)) for drug, version in rows]


def drug_in_force(code: str) -> tuple[DrugVersion, protocols.Drug] | None:
    """One drug's version in force (what new check-ins get) and its definition, or None."""
    version = db.session.execute(
        select(DrugVersion).join(Drug, (DrugVersion.drug_code == Drug.code)
                                 & (DrugVersion.version == Drug.current_version)).where(Drug.code == code)).scalar()
    return None if version is None else (version, protocols.Drug.from_dict(version.definition))


def all_reactions() -> list[Reaction]:
    """The reaction checklist in its order."""
    return list(db.session.scalars(select(Reaction).order_by(Reaction.position, Reaction.id)))


def reaction_by_code(code: str) -> Reaction | None:
    """One reaction of the checklist, or None."""
    return db.session.scalar(select(Reaction).where(Reaction.code == code))


def drug_names() -> list[tuple[str, str]]:
    """Every drug's code and name on screens, in catalog order (a do-not-re-treat rule may name them)."""
    return [(code, brand) for code, brand in db.session.execute(select(Drug.code, Drug.brand).order_by(Drug.id))]


def _problems(definition: dict, today: date) -> tuple[protocols.Drug, dict[str, list[str]]]:
    """Read a definition, checking its types and then what the types cannot say (catalog_rules)."""
    try:
        drug = protocols.Drug.from_dict(definition)
    except ValidationError as exc:
        raise Invalid("The drug was not saved: some values are not valid.", field_errors(exc, "-")) from exc
    reactions = frozenset(db.session.scalars(select(Reaction.code)))
    drugs = frozenset(db.session.scalars(select(Drug.code)))
    return drug, catalog_rules.drug_problems(drug, reactions=reactions, drugs=drugs, today=today)


def save_drug(actor: Actor, definition: dict, *, today: date, code: str | None = None,
              based_on: int | None = None) -> protocols.Drug:
    """Store a drug definition as a new catalog version (source: admin); `code` None adds a drug.

    The whole definition is checked before anything is stored: its types (Drug.from_dict) and the rules
    the types cannot express (catalog_rules). `based_on`, the version the admin's form was opened at, must
    still be in force: a second admin's save in between is not overwritten unseen. The audit event lists
    each changed field, before and after. Sessions keep the version they were checked in with.
    """
    if code is not None:
        definition = {**definition, "code": code}  # the code identifies the drug and never changes
    drug, problems = _problems(definition, today)
    # Locked until the commit (PostgreSQL): two saves of one drug take their version numbers in turn.
    row = db.session.scalar(select(Drug).where(Drug.code == drug.code).with_for_update())
    if code is None and row is not None:
        problems.setdefault("code", []).append("a drug with this code is already in the catalog")
    if code is not None and row is None:
        raise NotFound("No such drug.")
    if code is not None and based_on is not None and row.current_version != based_on:
        raise Conflict(f"{row.brand} was saved by someone else after you opened it (now version "
                       f"{row.current_version}); your changes were not saved. Open it again and make them there.",
                       {"based_on": ["another save came first"]})
    if problems:
        raise Invalid("The drug was not saved: " + ", ".join(problems) + ".", problems)
    stored = _as_stored(drug.to_dict())
    before: dict = {}
    if row is None:
        row = Drug(code=drug.code, brand=drug.brand, generic=drug.generic, category=drug.category, current_version=0)
        db.session.add(row)
        db.session.flush()
    else:
        current = db.session.scalar(select(DrugVersion).where(
            DrugVersion.drug_code == row.code, DrugVersion.version == row.current_version))
        before = current.definition if current is not None else {}
        if before == stored:
            return drug
    version = _add_drug_version(row, stored, "admin", actor)
    audit.record(actor, "drug_added" if code is None else "drug_edited", object_type="drug", object_id=drug.code,
                 details={"version": version.version, **changed_fields(before, stored)})
    return drug


def changed_fields(before: dict, after: dict) -> dict[str, dict]:
    """Each field that differs between two definitions, named by its path, as {before, after}."""
    old, new = _flat(before), _flat(after)
    return {key: {"before": old.get(key), "after": new.get(key)}
            for key in dict.fromkeys([*old, *new]) if old.get(key) != new.get(key)}


def _flat(value, prefix: str = "") -> dict:
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return {prefix: value}
    flat: dict = {}
    for key, item in items:
        flat.update(_flat(item, catalog_rules.path(prefix, key) if prefix else str(key)))
    return flat if flat or not prefix else {prefix: value}


def save_reaction(actor: Actor, fields: dict, *, new: bool) -> Reaction:
    """Add a reaction or edit one; recorded entries keep the label, group and systems they had."""
    code = _code(fields["code"], "code")
    systems = set(fields.get("systems") or [])
    if not systems <= SYSTEMS:
        raise Invalid.field("systems", "unknown system")
    if fields.get("group") not in ("infusion_reaction", "side_effect", "serious"):
        raise Invalid.field("group", "choose a group")
    row = db.session.scalar(select(Reaction).where(Reaction.code == code))
    if new and row is not None:
        raise Conflict("A reaction with this code exists.", {"code": ["already in the catalog"]})
    if not new and row is None:
        raise NotFound("No such reaction.")
    values = {"label": fields["label"].strip(), "reaction_group": fields["group"],
              "systems": ",".join(sorted(systems)), "help_text": (fields.get("help_text") or "").strip(),
              "active": bool(fields.get("active"))}
    changes = {}
    if row is None:
        position = (db.session.scalar(select(db.func.max(Reaction.position))) or 0) + 1
        row = Reaction(code=code, source="admin", version=1, position=position, **values)
        db.session.add(row)
    else:
        before = {k: getattr(row, k) for k in values}
        if before == values:
            return row
        changes = changed_fields(before, values)
        for key, value in values.items():
            setattr(row, key, value)
        row.version += 1
        row.source, row.updated_at = "admin", utcnow()
    db.session.flush()
    audit.record(actor, "reaction_added" if new else "reaction_edited", object_type="reaction", object_id=code,
                 details={"version": row.version, **changes})
    return row
