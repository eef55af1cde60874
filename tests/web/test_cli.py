"""The command-line tools."""
import sqlite3

import pytest
from sqlalchemy import func, select, text

from clinic.extensions import db
from clinic.models import ApiToken, AuditEvent, Drug, DrugVersion, Patient, Reaction, User
from clinic.security import token_digest


@pytest.fixture(autouse=True)
def _context(ctx):
    """The CLI tests read the database between commands; the runner makes its own context per command."""
    with ctx():
        yield


def test_users_create_reads_the_password_from_stdin(runner):
    result = runner.invoke(args=["users", "create", "nina", "--role", "nurse", "--name", "Nina Nurse",
                                 "--password-stdin"], input="a long enough password\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "nina"))
    assert user.role == "nurse" and user.full_name == "Nina Nurse"


@pytest.mark.parametrize("password, why", [("short", "12 characters"), ("nina", "12 characters")])
def test_users_create_refuses_weak_passwords(runner, password, why):
    result = runner.invoke(args=["users", "create", "nina", "--role", "nurse", "--name", "Nina",
                                 "--password-stdin"], input=password + "\n")
    assert result.exit_code == 1 and why in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_users_create_refuses_a_taken_username(runner, make_user):
    make_user("nurse", username="taken")
    result = runner.invoke(args=["users", "create", "taken", "--role", "nurse", "--name", "X",
                                 "--password-stdin"], input="a long enough password\n")
    assert result.exit_code == 1 and "taken" in result.output


def test_users_token_prints_a_token_that_works_and_is_stored_hashed(runner, make_user, app):
    make_user("nurse", username="tok")
    result = runner.invoke(args=["users", "token", "tok"])
    assert result.exit_code == 0
    token = result.output.strip()
    stored = db.session.scalar(select(ApiToken.token_hash))
    assert stored == token_digest(token) and token not in stored
    response = app.test_client().get("/api/v1/catalog/drugs", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_users_token_for_unknown_user_fails(runner):
    result = runner.invoke(args=["users", "token", "ghost"])
    assert result.exit_code == 1


def test_catalog_load_is_idempotent(runner):
    before = db.session.scalar(select(func.count(DrugVersion.id)))
    result = runner.invoke(args=["catalog", "load"])
    assert result.exit_code == 0 and "0 created, 0 updated" in result.output
    assert db.session.scalar(select(func.count(DrugVersion.id))) == before
    assert db.session.scalar(select(func.count(Drug.id))) == 10
    assert db.session.scalar(select(func.count(Reaction.id))) == 23


def test_catalog_load_carries_a_regrouped_reaction_into_an_existing_database(runner):
    # A database loaded before face swelling became serious (DOMAIN.md §2) holds the old row.
    row = db.session.scalar(select(Reaction).where(Reaction.code == "swelling_face"))
    version = row.version
    row.label, row.reaction_group, row.help_text = "Swelling of the face", "side_effect", "Puffy face, lips or eyelids."
    db.session.commit()
    result = runner.invoke(args=["catalog", "load"])
    assert result.exit_code == 0 and "1 updated" in result.output, result.output
    db.session.expire_all()
    row = db.session.scalar(select(Reaction).where(Reaction.code == "swelling_face"))
    assert (row.label, row.reaction_group, row.systems) == (
        "Swelling of the face, lips or eyelids", "serious", "skin_mucosal")
    assert row.version == version + 1 and row.source == "file"


def test_demo_seed_prints_logins_once_and_is_idempotent(runner):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "Demo logins" in first.output
    patients = db.session.scalar(select(func.count(Patient.id)))
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0 and "Demo logins" not in second.output
    assert db.session.scalar(select(func.count(Patient.id))) == patients > 0


def test_audit_verify_passes_on_an_intact_chain(runner, make_user):
    make_user("nurse")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output


def _tamper(sql: str) -> None:
    """Change the audit table behind the app's back, as an intruder with database access would."""
    with db.engine.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete"))
        conn.execute(text(sql))
        if postgres:
            conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete"))


def test_audit_verify_names_an_edited_event(runner, make_user):
    for _ in range(3):
        make_user("nurse")
    ids = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
    db.session.remove()
    _tamper(f"UPDATE audit_events SET action = 'nothing_to_see' WHERE id = {ids[1]}")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"event {ids[1]}" in result.output


def test_audit_verify_names_the_event_after_a_deleted_one(runner, make_user):
    for _ in range(3):
        make_user("nurse")
    ids = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
    db.session.remove()
    _tamper(f"DELETE FROM audit_events WHERE id = {ids[1]}")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"event {ids[2]}" in result.output


def _rehash_from(first_id: int, key: bytes) -> None:
    """Recompute every hash from an event on, as someone who edited it and wants the chain to verify would."""
    from clinic.domain.chain import GENESIS, event_hash
    from clinic.services.audit import hashed_content

    rows = db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
    previous, updates = GENESIS, []
    for event in rows:
        if event.id >= first_id:
            content = hashed_content({c: getattr(event, c) for c in ("occurred_at", "user_id", "username", "action",
                                                                    "object_type", "object_id", "patient_id",
                                                                    "client_addr", "details")})
            digest = event_hash(previous, content, key)
            updates.append(f"UPDATE audit_events SET prev_hash = '{previous}', hash = '{digest}' WHERE id = {event.id}")
            previous = digest
        else:
            previous = event.hash
    db.session.remove()
    for sql in updates:
        _tamper(sql)


def _checkpointed(runner, tmp_path, users=4):
    """A few audited changes, then a checkpoint of them in a file; returns the file and the events' ids."""
    from clinic.services import accounts
    from clinic.services.actor import Actor

    for n in range(users):
        accounts.create_user(Actor.system("test"), f"chain{n}", "Chain Test", "nurse", "correct horse battery")
    db.session.commit()
    kept = tmp_path / "checkpoints.jsonl"
    assert runner.invoke(args=["audit", "checkpoint", "--output", str(kept)]).exit_code == 0
    ids = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
    db.session.remove()
    return kept, ids


def test_a_checkpoint_is_a_signed_line_appended_to_a_file(runner, tmp_path, app):
    with app.app_context():
        kept, ids = _checkpointed(runner, tmp_path)
        assert runner.invoke(args=["audit", "checkpoint", "--output", str(kept)]).exit_code == 0
        lines = kept.read_text().splitlines()
        assert len(lines) == 2 and f'"last_id":{ids[-1]}' in lines[0] and '"signature":' in lines[0]
        result = runner.invoke(args=["audit", "verify", "--checkpoint", str(kept)])
        assert result.exit_code == 0 and "all the checkpoint counted are there" in result.output


def test_verify_fails_on_an_edited_event(runner, tmp_path, app):
    with app.app_context():
        kept, ids = _checkpointed(runner, tmp_path)
        _tamper(f"UPDATE audit_events SET username = 'someone else' WHERE id = {ids[1]}")
        result = runner.invoke(args=["audit", "verify", "--checkpoint", str(kept)])
        assert result.exit_code == 1 and f"event {ids[1]}" in result.output and "does not match" in result.output


def test_verify_fails_on_a_chain_rehashed_without_the_key(runner, tmp_path, app):
    with app.app_context():
        kept, ids = _checkpointed(runner, tmp_path)
        _tamper(f"UPDATE audit_events SET username = 'someone else' WHERE id = {ids[1]}")
        _rehash_from(ids[1], b"not the key: it is not in the database")
        result = runner.invoke(args=["audit", "verify"])
        assert result.exit_code == 1 and f"event {ids[1]}" in result.output


def test_verify_against_the_checkpoint_fails_on_a_chain_rehashed_with_the_key(runner, tmp_path, app):
    """Even someone holding the key cannot rewrite what a checkpoint kept elsewhere recorded."""
    from clinic.services.audit import chain_key

    with app.app_context():
        kept, ids = _checkpointed(runner, tmp_path)
        _tamper(f"UPDATE audit_events SET username = 'someone else' WHERE id = {ids[1]}")
        _rehash_from(ids[1], chain_key())
        assert runner.invoke(args=["audit", "verify"]).exit_code == 0  # the chain alone looks intact
        result = runner.invoke(args=["audit", "verify", "--checkpoint", str(kept)])
        assert result.exit_code == 1 and "rewritten" in result.output


def test_verify_against_the_checkpoint_fails_when_the_last_events_are_removed(runner, tmp_path, app):
    with app.app_context():
        kept, ids = _checkpointed(runner, tmp_path)
        _tamper(f"DELETE FROM audit_events WHERE id >= {ids[-2]}")
        assert runner.invoke(args=["audit", "verify"]).exit_code == 0  # what is left chains
        result = runner.invoke(args=["audit", "verify", "--checkpoint", str(kept)])
        assert result.exit_code == 1 and "removed from the end" in result.output


def test_verify_against_the_checkpoint_fails_on_an_emptied_table(runner, tmp_path, app):
    with app.app_context():
        kept, _ = _checkpointed(runner, tmp_path)
        _tamper("DELETE FROM audit_events")
        result = runner.invoke(args=["audit", "verify", "--checkpoint", str(kept)])
        assert result.exit_code == 1 and "emptied" in result.output


def test_postgres_refuses_update_and_delete_of_audit_events(make_user):
    from sqlalchemy.exc import DBAPIError

    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's; SQLite relies on the hash chain")
    make_user("nurse")
    db.session.remove()
    for sql in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text(sql))


def test_backup_writes_a_consistent_copy(runner, make_user, tmp_path):
    if db.engine.dialect.name != "sqlite":
        result = runner.invoke(args=["backup", str(tmp_path / "x.sqlite3")])
        assert result.exit_code == 1 and "pg_dump" in result.output
        return
    make_user("nurse", username="kept")
    target = tmp_path / "backup.sqlite3"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT username FROM users").fetchall() == [("kept",)]
    copy.close()
