"""Initial schema: the whole data model of SPEC §3.

On PostgreSQL a trigger makes the audit log append-only (UPDATE and DELETE are refused).

Revision ID: 0001
Revises: 
Create Date: 2026-11-24 20:25:44.355667

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('drugs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('brand', sa.String(length=200), nullable=False),
    sa.Column('generic', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.CheckConstraint("category IN ('disease_modifying', 'supportive')", name=op.f('ck_drugs_category')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drugs')),
    sa.UniqueConstraint('code', name=op.f('uq_drugs_code'))
    )
    op.create_table('patients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mrn', sa.String(length=32), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('first_key', sa.String(length=100), nullable=False),
    sa.Column('last_key', sa.String(length=100), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('sex', sa.String(length=8), nullable=False),
    sa.Column('allergies', sa.Text(), nullable=True),
    sa.Column('weight_kg', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('preferred_language', sa.String(length=16), nullable=False),
    sa.Column('pregnant', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("sex IN ('female', 'male', 'other', 'unknown')", name=op.f('ck_patients_sex')),
    sa.CheckConstraint('weight_kg IS NULL OR (weight_kg >= 20 AND weight_kg <= 350)', name=op.f('ck_patients_weight')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patients')),
    sa.UniqueConstraint('mrn', name=op.f('uq_patients_mrn'))
    )
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.create_index('ix_patients_first_key', ['first_key'], unique=False)
        batch_op.create_index('ix_patients_last_key', ['last_key'], unique=False)

    op.create_table('reactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('reaction_group', sa.String(length=32), nullable=False),
    sa.Column('systems', sa.String(length=100), nullable=False),
    sa.Column('help_text', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reaction_group IN ('infusion_reaction', 'side_effect', 'serious')", name=op.f('ck_reactions_group')),
    sa.CheckConstraint("source IN ('file', 'admin')", name=op.f('ck_reactions_source')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reactions')),
    sa.UniqueConstraint('code', name=op.f('uq_reactions_code'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('session_epoch', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('nurse', 'supervisor', 'admin')", name=op.f('ck_users_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('object_type', sa.String(length=32), nullable=True),
    sa.Column('object_id', sa.String(length=64), nullable=True),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('client_addr', sa.String(length=64), nullable=True),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_audit_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_events_hash'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_action', ['action', 'id'], unique=False)
        batch_op.create_index('ix_audit_events_occurred', ['occurred_at', 'id'], unique=False)
        batch_op.create_index('ix_audit_events_patient', ['patient_id', 'id'], unique=False)
        batch_op.create_index('ix_audit_events_user', ['user_id', 'id'], unique=False)

    op.create_table('drug_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('drug_code', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("source IN ('file', 'admin')", name=op.f('ck_drug_versions_source')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_drug_versions_version_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_drug_versions_created_by_id_users')),
    sa.ForeignKeyConstraint(['drug_code'], ['drugs.code'], name=op.f('fk_drug_versions_drug_code_drugs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drug_versions')),
    sa.UniqueConstraint('drug_code', 'version', name='uq_drug_versions_code_version')
    )
    op.create_table('infusion_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('drug_code', sa.String(length=64), nullable=False),
    sa.Column('drug_version_id', sa.Integer(), nullable=False),
    sa.Column('dose', sa.Numeric(precision=10, scale=3), nullable=False),
    sa.Column('dose_unit', sa.String(length=16), nullable=False),
    sa.Column('lot_number', sa.String(length=64), nullable=True),
    sa.Column('lot_expiry', sa.Date(), nullable=True),
    sa.Column('infusion_number', sa.Integer(), nullable=False),
    sa.Column('chair', sa.String(length=32), nullable=True),
    sa.Column('nurse_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('session_date', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_charted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_charted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('full_dose', sa.Boolean(), nullable=True),
    sa.Column('observation_minutes', sa.Integer(), nullable=False),
    sa.Column('observation_ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('discharged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('discharged_charted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('early_reason', sa.Text(), nullable=True),
    sa.Column('cancelled_reason', sa.Text(), nullable=True),
    sa.Column('finalized_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finalized_by_id', sa.Integer(), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=True),
    sa.Column('next_appointment', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('flag_level', sa.String(length=8), nullable=False),
    sa.Column('flags_raised_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('needs_review', sa.Boolean(), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_vitals_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("flag_level IN ('none', 'warning', 'serious')", name=op.f('ck_infusion_sessions_flag_level')),
    sa.CheckConstraint("status IN ('planned', 'infusing', 'paused', 'observing', 'discharged', 'finalized', 'cancelled')", name=op.f('ck_infusion_sessions_status')),
    sa.CheckConstraint('dose > 0', name=op.f('ck_infusion_sessions_dose_positive')),
    sa.CheckConstraint('ended_at IS NULL OR ended_at >= started_at', name=op.f('ck_infusion_sessions_end_after_start')),
    sa.CheckConstraint('ended_at IS NULL OR started_at IS NOT NULL', name=op.f('ck_infusion_sessions_end_needs_start')),
    sa.CheckConstraint('infusion_number >= 1', name=op.f('ck_infusion_sessions_infusion_number')),
    sa.CheckConstraint('observation_minutes >= 0', name=op.f('ck_infusion_sessions_observation_minutes')),
    sa.ForeignKeyConstraint(['drug_code'], ['drugs.code'], name=op.f('fk_infusion_sessions_drug_code_drugs')),
    sa.ForeignKeyConstraint(['drug_version_id'], ['drug_versions.id'], name=op.f('fk_infusion_sessions_drug_version_id_drug_versions')),
    sa.ForeignKeyConstraint(['finalized_by_id'], ['users.id'], name=op.f('fk_infusion_sessions_finalized_by_id_users')),
    sa.ForeignKeyConstraint(['nurse_id'], ['users.id'], name=op.f('fk_infusion_sessions_nurse_id_users')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_infusion_sessions_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_infusion_sessions'))
    )
    with op.batch_alter_table('infusion_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_infusion_sessions_day_status', ['session_date', 'status'], unique=False)
        batch_op.create_index('ix_infusion_sessions_patient_drug', ['patient_id', 'drug_code', 'infusion_number'], unique=False)
        batch_op.create_index('ix_infusion_sessions_review', ['needs_review', 'flag_level', 'flags_raised_at'], unique=False)
        batch_op.create_index('ix_infusion_sessions_started_at', ['started_at'], unique=False)

    op.create_table('amendments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.CheckConstraint('length(reason) > 0', name=op.f('ck_amendments_reason_required')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_amendments_author_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['infusion_sessions.id'], name=op.f('fk_amendments_session_id_infusion_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amendments'))
    )
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.create_index('ix_amendments_session', ['session_id', 'created_at'], unique=False)

    op.create_table('check_confirmations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('prompt', sa.Text(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_check_confirmations_confirmed_by_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['infusion_sessions.id'], name=op.f('fk_check_confirmations_session_id_infusion_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_confirmations')),
    sa.UniqueConstraint('session_id', 'code', name='uq_check_confirmations_session_code')
    )
    op.create_table('premedication_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dose', sa.String(length=100), nullable=True),
    sa.Column('not_given_reason', sa.Text(), nullable=True),
    sa.Column('charted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.CheckConstraint('(given_at IS NOT NULL AND not_given_reason IS NULL) OR (given_at IS NULL AND not_given_reason IS NOT NULL)', name=op.f('ck_premedication_records_given_or_reason')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_premedication_records_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['infusion_sessions.id'], name=op.f('fk_premedication_records_session_id_infusion_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_premedication_records'))
    )
    with op.batch_alter_table('premedication_records', schema=None) as batch_op:
        batch_op.create_index('ix_premedication_records_session', ['session_id'], unique=False)

    op.create_table('reaction_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('reaction_code', sa.String(length=64), nullable=False),
    sa.Column('reaction_label', sa.String(length=200), nullable=False),
    sa.Column('reaction_group', sa.String(length=32), nullable=False),
    sa.Column('systems', sa.String(length=100), nullable=False),
    sa.Column('onset_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('charted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('medication', sa.Text(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("action IN ('none', 'rate_slowed', 'paused', 'stopped', 'medication_given', 'emergency_response')", name=op.f('ck_reaction_entries_action')),
    sa.CheckConstraint("reaction_group IN ('infusion_reaction', 'side_effect', 'serious')", name=op.f('ck_reaction_entries_group')),
    sa.CheckConstraint('grade BETWEEN 1 AND 5', name=op.f('ck_reaction_entries_grade')),
    sa.ForeignKeyConstraint(['reaction_code'], ['reactions.code'], name=op.f('fk_reaction_entries_reaction_code_reactions')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_reaction_entries_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['infusion_sessions.id'], name=op.f('fk_reaction_entries_session_id_infusion_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reaction_entries'))
    )
    with op.batch_alter_table('reaction_entries', schema=None) as batch_op:
        batch_op.create_index('ix_reaction_entries_code', ['reaction_code'], unique=False)
        batch_op.create_index('ix_reaction_entries_session', ['session_id', 'onset_at'], unique=False)

    op.create_table('reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('flags_seen', sa.JSON(), nullable=False),
    sa.CheckConstraint("outcome IN ('acknowledged', 'escalated', 'reported_externally')", name=op.f('ck_reviews_outcome')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_reviews_reviewer_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['infusion_sessions.id'], name=op.f('fk_reviews_session_id_infusion_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews'))
    )
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index('ix_reviews_session', ['session_id', 'reviewed_at'], unique=False)

    op.create_table('session_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('charted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rate_ml_h', sa.Numeric(precision=7, scale=1), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('due_to_reaction', sa.Boolean(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("kind <> 'rate_change' OR rate_ml_h IS NOT NULL", name=op.f('ck_session_events_rate_change_has_rate')),
    sa.CheckConstraint("kind IN ('rate_change', 'pause', 'resume')", name=op.f('ck_session_events_kind')),
    sa.CheckConstraint('rate_ml_h IS NULL OR (rate_ml_h > 0 AND rate_ml_h <= 2000)', name=op.f('ck_session_events_rate')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_session_events_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['infusion_sessions.id'], name=op.f('fk_session_events_session_id_infusion_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_events'))
    )
    with op.batch_alter_table('session_events', schema=None) as batch_op:
        batch_op.create_index('ix_session_events_session', ['session_id', 'occurred_at'], unique=False)

    op.create_table('vital_signs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('charted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('phase', sa.String(length=16), nullable=False),
    sa.Column('systolic', sa.Integer(), nullable=True),
    sa.Column('diastolic', sa.Integer(), nullable=True),
    sa.Column('heart_rate', sa.Integer(), nullable=True),
    sa.Column('resp_rate', sa.Integer(), nullable=True),
    sa.Column('temperature_c', sa.Numeric(precision=4, scale=1), nullable=True),
    sa.Column('spo2', sa.Integer(), nullable=True),
    sa.Column('on_oxygen', sa.Boolean(), nullable=True),
    sa.Column('consciousness', sa.String(length=16), nullable=True),
    sa.Column('pain', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("consciousness IS NULL OR consciousness IN ('alert', 'confusion', 'voice', 'pain', 'unresponsive')", name=op.f('ck_vital_signs_consciousness')),
    sa.CheckConstraint("phase IN ('baseline', 'during', 'end', 'observation', 'discharge')", name=op.f('ck_vital_signs_phase')),
    sa.CheckConstraint('diastolic IS NULL OR diastolic BETWEEN 20 AND 200', name=op.f('ck_vital_signs_diastolic')),
    sa.CheckConstraint('heart_rate IS NULL OR heart_rate BETWEEN 20 AND 250', name=op.f('ck_vital_signs_heart_rate')),
    sa.CheckConstraint('pain IS NULL OR pain BETWEEN 0 AND 10', name=op.f('ck_vital_signs_pain')),
    sa.CheckConstraint('resp_rate IS NULL OR resp_rate BETWEEN 4 AND 60', name=op.f('ck_vital_signs_resp_rate')),
    sa.CheckConstraint('spo2 IS NULL OR spo2 BETWEEN 50 AND 100', name=op.f('ck_vital_signs_spo2')),
    sa.CheckConstraint('systolic IS NOT NULL OR diastolic IS NOT NULL OR heart_rate IS NOT NULL OR resp_rate IS NOT NULL OR temperature_c IS NOT NULL OR spo2 IS NOT NULL OR on_oxygen IS NOT NULL OR consciousness IS NOT NULL OR pain IS NOT NULL', name=op.f('ck_vital_signs_not_empty')),
    sa.CheckConstraint('systolic IS NULL OR diastolic IS NULL OR diastolic < systolic', name=op.f('ck_vital_signs_diastolic_below_systolic')),
    sa.CheckConstraint('systolic IS NULL OR systolic BETWEEN 40 AND 300', name=op.f('ck_vital_signs_systolic')),
    sa.CheckConstraint('temperature_c IS NULL OR temperature_c BETWEEN 30.0 AND 44.0', name=op.f('ck_vital_signs_temperature')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_vital_signs_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['infusion_sessions.id'], name=op.f('fk_vital_signs_session_id_infusion_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vital_signs'))
    )
    with op.batch_alter_table('vital_signs', schema=None) as batch_op:
        batch_op.create_index('ix_vital_signs_session_taken', ['session_id', 'taken_at'], unique=False)

    _audit_append_only()


AUDIT_TRIGGER = """
CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_events_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
"""


def _audit_append_only():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(AUDIT_TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update_delete ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    with op.batch_alter_table('vital_signs', schema=None) as batch_op:
        batch_op.drop_index('ix_vital_signs_session_taken')

    op.drop_table('vital_signs')
    with op.batch_alter_table('session_events', schema=None) as batch_op:
        batch_op.drop_index('ix_session_events_session')

    op.drop_table('session_events')
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_reviews_session')

    op.drop_table('reviews')
    with op.batch_alter_table('reaction_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_reaction_entries_session')
        batch_op.drop_index('ix_reaction_entries_code')

    op.drop_table('reaction_entries')
    with op.batch_alter_table('premedication_records', schema=None) as batch_op:
        batch_op.drop_index('ix_premedication_records_session')

    op.drop_table('premedication_records')
    op.drop_table('check_confirmations')
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.drop_index('ix_amendments_session')

    op.drop_table('amendments')
    with op.batch_alter_table('infusion_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_infusion_sessions_started_at')
        batch_op.drop_index('ix_infusion_sessions_review')
        batch_op.drop_index('ix_infusion_sessions_patient_drug')
        batch_op.drop_index('ix_infusion_sessions_day_status')

    op.drop_table('infusion_sessions')
    op.drop_table('drug_versions')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_user')
        batch_op.drop_index('ix_audit_events_patient')
        batch_op.drop_index('ix_audit_events_occurred')
        batch_op.drop_index('ix_audit_events_action')

    op.drop_table('audit_events')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    op.drop_table('users')
    op.drop_table('reactions')
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_index('ix_patients_last_key')
        batch_op.drop_index('ix_patients_first_key')

    op.drop_table('patients')
    op.drop_table('drugs')
