"""Load the catalog from the package's data into the database, and read it back."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..domain import catalog as data
from ..extensions import db
from ..models import Drug, DrugVersion, Reaction, utcnow
from . import audit
from .actor import Actor


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_admin_edit: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _add_drug_version(drug: Drug, definition: dict, source: str, actor: Actor) -> DrugVersion:
    latest = db.session.scalar(
        select(func.max(DrugVersion.version)).where(DrugVersion.drug_code == drug.code)) or 0
    version = DrugVersion(drug_code=drug.code, version=latest + 1, definition=definition, source=source,
                          created_by_id=actor.user_id)
    db.session.add(version)
    db.session.flush()
    drug.current_version = version.version
    products, drug.generic = definition["products"], definition["generic"]
    drug.brand = products[0]["brand"] if len(products) == 1 else drug.generic  # as protocols.Drug.brand says
    drug.category, drug.active = definition["category"], definition.get("active", True)
    return version


def _as_stored(definition: dict) -> dict:
    """Return the definition as it reads back from a JSON column (tuples become lists)."""
    return json.loads(json.dumps(definition))


def _load_drug(entry: data.Drug, actor: Actor, report: LoadReport) -> None:
    definition = _as_stored(entry.to_dict())
    drug = db.session.scalar(select(Drug).where(Drug.code == entry.code))
    if drug is None:
        drug = Drug(code=entry.code, brand=entry.brand, generic=entry.generic, category=entry.category,
                    current_version=0)
        db.session.add(drug)
        db.session.flush()
        _add_drug_version(drug, definition, "file", actor)
        report.created.append(f"drug {entry.code}")
        return
    current = _current_version(drug)
    if current is not None and current.definition == definition:
        report.unchanged.append(f"drug {entry.code}")
    elif current is not None and current.source == "admin":
        report.kept_admin_edit.append(f"drug {entry.code}")
    else:
        _add_drug_version(drug, definition, "file", actor)
        report.updated.append(f"drug {entry.code}")


def _current_version(drug: Drug) -> DrugVersion | None:
    return db.session.scalar(select(DrugVersion).where(
        DrugVersion.drug_code == drug.code, DrugVersion.version == drug.current_version))


def _reaction_fields(entry: data.Reaction, position: int) -> dict:
    return {"label": entry.label, "reaction_group": entry.group, "systems": ",".join(sorted(entry.systems)),
            "help_text": entry.help, "position": position}


def _load_reaction(entry: data.Reaction, position: int, report: LoadReport) -> None:
    fields = _reaction_fields(entry, position)
    row = db.session.scalar(select(Reaction).where(Reaction.code == entry.code))
    if row is None:
        db.session.add(Reaction(code=entry.code, source="file", **fields))
        report.created.append(f"reaction {entry.code}")
    elif all(getattr(row, k) == v for k, v in fields.items()):
        report.unchanged.append(f"reaction {entry.code}")
    elif row.source == "admin":
        report.kept_admin_edit.append(f"reaction {entry.code}")
    else:
        for key, value in fields.items():
            setattr(row, key, value)
        row.version += 1
        row.updated_at = utcnow()
        report.updated.append(f"reaction {entry.code}")


def load(actor: Actor) -> LoadReport:
    """Bring the database's catalog in line with the package data, without touching admin edits."""
    report = LoadReport()
    for entry in data.DRUGS:
        _load_drug(entry, actor, report)
    for position, entry in enumerate(data.REACTIONS):
        _load_reaction(entry, position, report)
    db.session.flush()
    if report.changed or report.kept_admin_edit:
        audit.record(actor, "catalog_loaded", object_type="catalog", details={
            "created": report.created, "updated": report.updated, "kept_admin_edit": report.kept_admin_edit})
    return report


def current_drug(code: str) -> tuple[DrugVersion, data.Drug] | None:
    """Return an active drug's version in force and its definition, or None."""
    version = db.session.scalar(
        select(DrugVersion).join(Drug, (Drug.code == DrugVersion.drug_code)
                                 & (Drug.current_version == DrugVersion.version))
        .where(Drug.code == code, Drug.active.is_(True)))
    if version is None:
        return None
    return version, data.Drug.from_dict(version.definition)


def active_drugs() -> list[data.Drug]:
    """Return the current definition of every active drug, in catalog order."""
    rows = db.session.execute(
        select(DrugVersion.definition)
        .join(Drug, (Drug.code == DrugVersion.drug_code) & (Drug.current_version == DrugVersion.version))
        .where(Drug.active.is_(True)).order_by(Drug.id)
    ).scalars()
    return [data.Drug.from_dict(d) for d in rows]


def reactions(include_inactive: bool = False) -> list[Reaction]:
    """Return the reaction checklist in its printed order."""
    query = select(Reaction).order_by(Reaction.position, Reaction.id)
    if not include_inactive:
        query = query.where(Reaction.active.is_(True))
    return list(db.session.scalars(query))


def drug_exists(code: str) -> bool:
    """Tell whether the catalog has a drug with this code (active or not)."""
    return db.session.scalar(select(Drug.id).where(Drug.code == code)) is not None
