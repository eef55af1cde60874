"""Treatment protocols by infusion number (DOMAIN.md §1): the data they need, the catalog carried forward.

- patients: the date the weight was taken and the height (weight- and surface-based doses);
- treatment_history: infusions given elsewhere, for a patient who transfers in;
- patient_alerts: do not re-treat, raised by a qualifying reaction and lifted by a supervisor;
- infusion_sessions: the product, the dose as the protocol worked it out (order per kg or m², weight,
  height, surface) and the reason when the dose given differs, the prescriber, the rate plan chosen, the
  check-in refusals a prescriber overrode and whether the session raised an alert;
- drug_versions: every stored definition is rewritten in the protocol's shape, with what it said kept
  (its dose and observation become protocol rows, its checks and premedications keep their infusions).
  `flask catalog load` then adds the package's protocols as new versions; sessions keep theirs.

Revision ID: 0009
Revises: 0008
"""
import json

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('treatment_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('drug_code', sa.String(length=64), nullable=False),
    sa.Column('infusions', sa.Integer(), nullable=False),
    sa.Column('last_infusion_on', sa.Date(), nullable=False),
    sa.Column('had_reaction', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.CheckConstraint('infusions >= 1 AND infusions <= 200', name=op.f('ck_treatment_history_infusions')),
    sa.ForeignKeyConstraint(['drug_code'], ['drugs.code'], name=op.f('fk_treatment_history_drug_code_drugs')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_treatment_history_patient_id_patients')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_treatment_history_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_treatment_history'))
    )
    with op.batch_alter_table('treatment_history', schema=None) as batch_op:
        batch_op.create_index('ix_treatment_history_patient_drug', ['patient_id', 'drug_code'], unique=False)

    op.create_table('patient_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('drugs', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('reaction_entry_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lifted_by_id', sa.Integer(), nullable=True),
    sa.Column('lift_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['lifted_by_id'], ['users.id'], name=op.f('fk_patient_alerts_lifted_by_id_users')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_patient_alerts_patient_id_patients')),
    sa.ForeignKeyConstraint(['reaction_entry_id'], ['reaction_entries.id'], name=op.f('fk_patient_alerts_reaction_entry_id_reaction_entries')),
    sa.ForeignKeyConstraint(['session_id'], ['infusion_sessions.id'], name=op.f('fk_patient_alerts_session_id_infusion_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patient_alerts'))
    )
    with op.batch_alter_table('patient_alerts', schema=None) as batch_op:
        batch_op.create_index('ix_patient_alerts_patient', ['patient_id', 'lifted_at'], unique=False)

    with op.batch_alter_table('infusion_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('product_code', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('dose_basis', sa.String(length=8), server_default='fixed', nullable=False))
        batch_op.add_column(sa.Column('dose_per', sa.Numeric(precision=10, scale=3), nullable=True))
        batch_op.add_column(sa.Column('protocol_dose', sa.Numeric(precision=10, scale=3), nullable=True))
        batch_op.add_column(sa.Column('weight_kg', sa.Numeric(precision=5, scale=1), nullable=True))
        batch_op.add_column(sa.Column('height_cm', sa.Numeric(precision=4, scale=1), nullable=True))
        batch_op.add_column(sa.Column('surface_m2', sa.Numeric(precision=4, scale=2), nullable=True))
        batch_op.add_column(sa.Column('dose_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('prescriber', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('rate_plan', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('overrides', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        batch_op.add_column(sa.Column('raised_alert', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_check_constraint('dose_basis', "dose_basis IN ('fixed', 'per_kg', 'per_m2')")

    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weight_taken_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('height_cm', sa.Numeric(precision=4, scale=1), nullable=True))
        batch_op.create_check_constraint('height', "height_cm IS NULL OR (height_cm >= 50 AND height_cm <= 250)")

    _rewrite_definitions(_in_protocol_shape)


def downgrade():
    _rewrite_definitions(_in_flat_shape)
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_constraint('height', type_='check')
        batch_op.drop_column('height_cm')
        batch_op.drop_column('weight_taken_on')

    with op.batch_alter_table('infusion_sessions', schema=None) as batch_op:
        batch_op.drop_constraint('dose_basis', type_='check')
        batch_op.drop_column('raised_alert')
        batch_op.drop_column('overrides')
        batch_op.drop_column('rate_plan')
        batch_op.drop_column('prescriber')
        batch_op.drop_column('dose_reason')
        batch_op.drop_column('surface_m2')
        batch_op.drop_column('height_cm')
        batch_op.drop_column('weight_kg')
        batch_op.drop_column('protocol_dose')
        batch_op.drop_column('dose_per')
        batch_op.drop_column('dose_basis')
        batch_op.drop_column('product_code')

    with op.batch_alter_table('patient_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_patient_alerts_patient')

    op.drop_table('patient_alerts')
    with op.batch_alter_table('treatment_history', schema=None) as batch_op:
        batch_op.drop_index('ix_treatment_history_patient_drug')

    op.drop_table('treatment_history')


# The conversion is written out here, not imported: the app's catalog code will change after this revision.
_NEXT_DUE = {"anti_cd20": {"kind": "anti_cd20", "weeks": 0}, "every_4_weeks": {"kind": "weeks", "weeks": 4},
             "alemtuzumab_course": {"kind": "course", "weeks": 0}, "none": {"kind": "none", "weeks": 0}}
_ALEMTUZUMAB_COURSES = {"lengths": [5, 3], "later": 3, "start_interval": {"days": 365, "hours": 0},
                        "source": "L4", "checked_on": ""}
_BEFORE = "the catalog before protocols"


def _in_protocol_shape(old: dict) -> dict:
    if "protocol" in old:
        return old
    steps = sorted(old.get("observation") or [[1, 0]])
    rows = []
    for i, (first, minutes) in enumerate(steps):
        last = steps[i + 1][0] - 1 if i + 1 < len(steps) else None
        rows.append({
            "infusions": {"first": first, "last": last},
            "dose": {"amount": old["default_dose"], "unit": old["dose_unit"], "basis": "fixed", "volume_ml": None,
                     "text": old.get("regimen", "")},
            "plans": [], "observation": {"minutes": minutes}, "interval": None,
            "source": _BEFORE, "checked_on": "", "note": old.get("infusion_time", ""),
        })
    courses = _ALEMTUZUMAB_COURSES if old.get("next_due_rule") == "alemtuzumab_course" else None
    premedications = []
    for premed in old.get("premedications", []):
        ranges = premed.get("required_infusions") or []
        infusions = {"first": ranges[0][0], "last": ranges[0][1]} if len(ranges) == 1 else {"first": 1, "last": None}
        premedications.append({
            "code": premed["code"], "text": premed["text"], "required": premed["required"], "infusions": infusions,
            "course_days": [1, 3] if courses and len(ranges) > 1 else None, "source": _BEFORE, "checked_on": ""})
    return {
        "code": old["code"], "generic": old["generic"], "category": old["category"], "route": "intravenous",
        "products": [{"code": old["code"], "brand": old["brand"], "generic": old["generic"]}],
        "protocol": rows, "next_due": {**_NEXT_DUE.get(old.get("next_due_rule"), _NEXT_DUE["none"]),
                                       "source": _BEFORE, "checked_on": ""},
        "premedications": premedications,
        "checks": [{**check, "infusions": {"first": 1, "last": None}, "source": _BEFORE, "checked_on": ""}
                   for check in old.get("checks", [])],
        "courses": courses, "retreat": None,
        "warnings": [{"text": text, "action": "call", "source": _BEFORE, "checked_on": ""}
                     for text in old.get("warning_signs", [])],
        "delayed_reaction_hours": 24, "rxnorm": old.get("rxnorm"), "active": old.get("active", True),
    }


def _in_flat_shape(new: dict) -> dict:
    if "protocol" not in new:
        return new
    first_row = new["protocol"][0]
    rule = {"anti_cd20": "anti_cd20", "course": "alemtuzumab_course"}.get(new["next_due"]["kind"], "none")
    if new["next_due"]["kind"] == "weeks" and new["next_due"]["weeks"] == 4:
        rule = "every_4_weeks"
    return {
        "code": new["code"], "brand": new["products"][0]["brand"], "generic": new["generic"],
        "category": new["category"], "default_dose": first_row["dose"]["amount"], "dose_unit": first_row["dose"]["unit"],
        "regimen": first_row["dose"].get("text", ""), "infusion_time": first_row.get("note", ""),
        "observation": [[row["infusions"]["first"], row["observation"]["minutes"]] for row in new["protocol"]],
        "next_due_rule": rule,
        "checks": [{"code": c["code"], "prompt": c["prompt"], "stop_text": c["stop_text"]} for c in new["checks"]],
        "premedications": [{"code": p["code"], "text": p["text"], "required": p["required"],
                            "required_infusions": [[p["infusions"]["first"], p["infusions"]["last"]]]}
                           for p in new["premedications"]],
        "warning_signs": [w["text"] for w in new["warnings"]], "rxnorm": new.get("rxnorm"),
        "active": new.get("active", True),
    }


def _rewrite_definitions(convert) -> None:
    bind = op.get_bind()
    versions = sa.table("drug_versions", sa.column("id", sa.Integer), sa.column("definition", sa.JSON))
    for version_id, definition in bind.execute(sa.select(versions.c.id, versions.c.definition)).all():
        if isinstance(definition, str):
            definition = json.loads(definition)
        bind.execute(versions.update().where(versions.c.id == version_id).values(definition=convert(definition)))
