"""Admins' edits of the catalog: each one a new version; recorded sessions keep theirs."""
from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from ..domain import catalog as data
from ..extensions import db
from ..models import Drug, DrugVersion, Reaction, utcnow
from . import audit
from .actor import Actor
from .catalog import _add_drug_version, _as_stored, _current_version
from .errors import Conflict, Invalid, NotFound

CODE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
SYSTEMS = {"skin_mucosal", "respiratory", "circulatory", "gastrointestinal", "laryngeal"}


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def parse_observation(text: str) -> tuple[tuple[int, int], ...]:
    """Read "1:60, 3:0" into ((1, 60), (3, 0))."""
    steps = []
    for part in re.split(r"[,\s]+", text.strip()):
        match = re.fullmatch(r"(\d{1,3}):(\d{1,4})", part)
        if not match:
            raise Invalid.field("observation", f"write steps as infusion:minutes, e.g. 1:60, 3:0 (not {part!r})")
        number, minutes = int(match[1]), int(match[2])
        if number < 1 or minutes > 1440:
            raise Invalid.field("observation", "infusion numbers start at 1; at most 1440 minutes")
        steps.append((number, minutes))
    steps.sort()
    if not steps or steps[0][0] != 1:
        raise Invalid.field("observation", "the first step must be for infusion 1")
    return tuple(steps)


def _code(value: str, field: str) -> str:
    value = value.strip()
    if not CODE.match(value):
        raise Invalid.field(field, f"codes are lower-case letters, digits and underscores ({value!r})")
    return value


def parse_checks(text: str | None) -> tuple[data.Check, ...]:
    """Read one check per line: code | prompt | what to do if not."""
    checks = []
    for line in _lines(text):
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3 or not all(parts):
            raise Invalid.field("checks", f"write code | prompt | what to do if not ({line!r})")
        checks.append(data.Check(_code(parts[0], "checks"), parts[1], parts[2]))
    return tuple(checks)


def _ranges(text: str) -> tuple[tuple[int, int | None], ...]:
    ranges = []
    for part in [p.strip() for p in text.split(",") if p.strip()]:
        match = re.fullmatch(r"(\d+)\s*(?:-\s*(\d*))?", part)
        if not match:
            raise Invalid.field("premedications", f"infusion numbers like 1-3, 6-8 ({part!r})")
        low = int(match[1])
        high = low if match[2] is None and "-" not in part else (int(match[2]) if match[2] else None)
        ranges.append((low, high))
    return tuple(ranges)


def parse_premedications(text: str | None) -> tuple[data.Premedication, ...]:
    """Read one premedication per line: code | text | required/optional | ranges."""
    premeds = []
    for line in _lines(text):
        parts = [p.strip() for p in line.split("|")]
        if len(parts) not in (3, 4) or not all(parts[:3]) or parts[2].lower() not in ("required", "optional"):
            raise Invalid.field("premedications", f"write code | text | required or optional | ranges ({line!r})")
        ranges = _ranges(parts[3]) if len(parts) == 4 else ()
        premeds.append(data.Premedication(_code(parts[0], "premedications"), parts[1],
                                          parts[2].lower() == "required", ranges))
    return tuple(premeds)


def build_drug(fields: dict) -> data.Drug:
    """Validate a drug form and return the catalog entry it describes."""
    dose = fields.get("default_dose")
    if dose is None or not Decimal(dose).is_finite() or Decimal(dose) <= 0:
        raise Invalid.field("default_dose", "enter a dose above 0")
    if fields.get("next_due_rule") not in ("none", "anti_cd20", "every_4_weeks", "alemtuzumab_course"):
        raise Invalid.field("next_due_rule", "choose a rule")
    if fields.get("category") not in ("disease_modifying", "supportive"):
        raise Invalid.field("category", "choose a category")
    return data.Drug(
        code=_code(fields["code"], "code"), brand=fields["brand"].strip(), generic=fields["generic"].strip(),
        category=fields["category"], default_dose=Decimal(dose), dose_unit=fields["dose_unit"].strip(),
        regimen=(fields.get("regimen") or "").strip(), infusion_time=(fields.get("infusion_time") or "").strip(),
        observation=parse_observation(fields["observation"]), next_due_rule=fields["next_due_rule"],
        checks=parse_checks(fields.get("checks")), premedications=parse_premedications(fields.get("premedications")),
        warning_signs=tuple(_lines(fields.get("warning_signs"))), rxnorm=fields.get("rxnorm"),
        active=bool(fields.get("active")),
    )


def drugs_in_force() -> list[tuple[Drug, DrugVersion]]:
    """Every drug with the catalog version in force, in one query."""
    return list(db.session.execute(
        select(Drug, DrugVersion).join(DrugVersion, (DrugVersion.drug_code == Drug.code)
                                       & (DrugVersion.version == Drug.current_version)).order_by(Drug.id)).all())


def version_in_force(code: str) -> DrugVersion | None:
    """The catalog version of one drug that new check-ins get."""
    return db.session.execute(
        select(DrugVersion).join(Drug, (DrugVersion.drug_code == Drug.code)
                                 & (DrugVersion.version == Drug.current_version)).where(Drug.code == code)).scalar()


def all_reactions() -> list[Reaction]:
    """The reaction checklist in its order."""
    return list(db.session.scalars(select(Reaction).order_by(Reaction.position, Reaction.id)))


def reaction_by_code(code: str) -> Reaction | None:
    """One reaction of the checklist, or None."""
    return db.session.scalar(select(Reaction).where(Reaction.code == code))


def save_drug(actor: Actor, fields: dict, *, new: bool) -> data.Drug:
    """Add a drug or store an edit as a new version (source: admin)."""
    entry = build_drug(fields)
    row = db.session.scalar(select(Drug).where(Drug.code == entry.code))
    if new and row is not None:
        raise Conflict("A drug with this code exists.", {"code": ["already in the catalog"]})
    if not new and row is None:
        raise NotFound("No such drug.")
    changes = {}
    if row is None:
        row = Drug(code=entry.code, brand=entry.brand, generic=entry.generic, category=entry.category,
                   current_version=0)
        db.session.add(row)
        db.session.flush()
    else:
        current = _current_version(row)
        previous = data.Drug.from_dict(current.definition) if current else None
        if previous is not None:
            entry = data.Drug(**{**entry.__dict__, "rxnorm": previous.rxnorm})
            if _as_stored(entry.to_dict()) == current.definition:
                return entry
            changes = _changed_fields(drug_form_values(previous), drug_form_values(entry))
    version = _add_drug_version(row, _as_stored(entry.to_dict()), "admin", actor)
    audit.record(actor, "drug_added" if new else "drug_edited", object_type="drug", object_id=entry.code,
                 details={"version": version.version, **changes})
    return entry


def _changed_fields(before: dict, after: dict) -> dict:
    """Each form field that changed, as {before, after}, in the words the admin typed."""
    return {key: {"before": before[key], "after": after[key]} for key in after if before.get(key) != after[key]}


def drug_form_values(entry: data.Drug) -> dict:
    """Turn a catalog entry into the drug form's text fields."""
    def ranges(p):
        return ", ".join(f"{lo}-{hi if hi is not None else ''}" if hi != lo else str(lo)
                         for lo, hi in p.required_infusions)

    return {
        "code": entry.code, "brand": entry.brand, "generic": entry.generic, "category": entry.category,
        "default_dose": entry.default_dose, "dose_unit": entry.dose_unit, "regimen": entry.regimen,
        "infusion_time": entry.infusion_time, "observation": ", ".join(f"{n}:{m}" for n, m in entry.observation),
        "next_due_rule": entry.next_due_rule,
        "checks": "\n".join(f"{c.code} | {c.prompt} | {c.stop_text}" for c in entry.checks),
        "premedications": "\n".join(
            f"{p.code} | {p.text} | {'required' if p.required else 'optional'}"
            + (f" | {ranges(p)}" if p.required_infusions else "") for p in entry.premedications),
        "warning_signs": "\n".join(entry.warning_signs), "active": entry.active,
    }


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
        changes = _changed_fields(before, values)
        for key, value in values.items():
            setattr(row, key, value)
        row.version += 1
        row.source, row.updated_at = "admin", utcnow()
    db.session.flush()
    audit.record(actor, "reaction_added" if new else "reaction_edited", object_type="reaction", object_id=code,
                 details={"version": row.version, **changes})
    return row
