"""A drug of several products is named by its generic name where no product is named (rituximab: Rituxan,
Truxima, Ruxience and Riabni share one protocol), so a Truxima session is not listed as "Rituxan".

Only the name column of `drugs` changes, from each drug's version in force; the versions stay as they were.

Revision ID: 0015
Revises: 0013
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None

_IN_FORCE = sa.text(
    "SELECT d.code, v.definition FROM drugs d JOIN drug_versions v "
    "ON v.drug_code = d.code AND v.version = d.current_version")


def _rename(name_of) -> None:
    conn = op.get_bind()
    for code, definition in conn.execute(_IN_FORCE).all():
        if isinstance(definition, str):  # SQLite hands JSON back as text
            definition = json.loads(definition)
        products = definition.get("products") or []
        if len(products) > 1:
            conn.execute(sa.text("UPDATE drugs SET brand = :brand WHERE code = :code"),
                         {"brand": name_of(definition), "code": code})


def upgrade():
    _rename(lambda definition: definition["generic"])


def downgrade():
    _rename(lambda definition: definition["products"][0]["brand"])
