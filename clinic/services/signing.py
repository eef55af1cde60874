"""Finalize (sign) a session and amend a signed one (SPEC §4.6)."""
from __future__ import annotations

from datetime import date

from pydantic import ValidationError
from sqlalchemy import select

from .. import schemas
from ..domain.fingerprint import fingerprint
from ..domain.lifecycle import Status
from ..extensions import db
from ..models import Amendment, User, utcnow
from ..security import check_account_password
from . import audit
from .actor import Actor
from .errors import Invalid
from .records import build_record, first_infusion_date, load_session
from .sessions import appointment_problem, get, require, save_change
from .validation import field_errors, validate


def current_fingerprint(infusion) -> str:
    """Fingerprint the session's content together with its amendments."""
    amendments = db.session.execute(
        select(Amendment.id, Amendment.reason, Amendment.changes).where(Amendment.session_id == infusion.id)
        .order_by(Amendment.id)).all()
    extra = {"amendments": [{"id": a.id, "reason": a.reason, "changes": a.changes} for a in amendments]}
    infusion = load_session(infusion.id)  # with who charted each entry: part of the signed content
    record = build_record(infusion, first_infusion_date(infusion.patient_id, infusion.drug_code))
    return fingerprint(record, extra if amendments else None)


def finalize(actor: Actor, session_id: int, password: str, expected_version: int | None = None):
    """Sign the record: the nurse re-enters the password; the record becomes read-only."""
    infusion = get(session_id, expected_version)
    require(infusion, "finalize")
    data = validate(schemas.FinalizeIn, {"password": password})
    user = db.session.get(User, actor.user_id) if actor.user_id else None
    if user is None or not check_account_password(user.username, user.password_hash, data.password):
        audit.record(actor, "finalize_refused", object_type="session", object_id=infusion.id,
                     patient_id=infusion.patient_id, details={"why": "wrong password"})
        raise Invalid.field("password", "the password is not right")
    infusion.status, infusion.finalized_at, infusion.finalized_by_id = Status.FINALIZED, utcnow(), user.id
    infusion.fingerprint = current_fingerprint(infusion)
    save_change(actor, infusion, "session_finalized", {"fingerprint": infusion.fingerprint})
    return infusion


def _parse_changes(session_date: date, changes: dict[str, str | None]) -> dict:
    """The new values, each checked as the check-in checks it; a dose or its unit cannot be emptied."""
    for field in ("dose", "dose_unit"):
        if field in changes and changes[field] in (None, ""):
            raise Invalid.field(f"changes.{field}", "cannot be empty")
    try:
        parsed = schemas.AmendedValues.model_validate({k: (None if v == "" else v) for k, v in changes.items()})
    except ValidationError as exc:
        fields = {f"changes.{name}": why for name, why in field_errors(exc).items()}
        raise Invalid("Some values are not valid: " + ", ".join(fields), fields) from exc
    values = {field: getattr(parsed, field) for field in changes}
    if values.get("next_appointment") is not None:
        why = appointment_problem(session_date, values["next_appointment"])
        if why:
            raise Invalid.field("changes.next_appointment", why)
    return values


def amend(actor: Actor, session_id: int, reason: str, changes: dict,
          expected_version: int | None = None) -> Amendment:
    """Correct a finalized session: reason required, before and after kept, new fingerprint."""
    infusion = get(session_id, expected_version)
    require(infusion, "amend")
    data = validate(schemas.AmendmentIn, {"reason": reason, "changes": changes})
    diff = []
    for field, new in _parse_changes(infusion.session_date, data.changes).items():
        old = getattr(infusion, field)
        if old != new:
            setattr(infusion, field, new)
            diff.append({"field": field, "before": None if old is None else str(old),
                         "after": None if new is None else str(new)})
    if not diff:
        raise Invalid.field("changes", "nothing differs from the record")
    amendment = Amendment(session_id=infusion.id, author_id=actor.user_id, reason=data.reason, changes=diff,
                          fingerprint="", created_at=utcnow())
    db.session.add(amendment)
    db.session.flush()
    amendment.fingerprint = infusion.fingerprint = current_fingerprint(infusion)
    save_change(actor, infusion, "session_amended", {"amendment_id": amendment.id, "reason": data.reason,
                                                "changes": diff})
    return amendment
