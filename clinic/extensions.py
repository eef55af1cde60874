"""Extensions, created unbound; the factory binds them to an app."""
from __future__ import annotations

import re

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, identical on SQLite and PostgreSQL, so migrations can name them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Objects stay readable after the request's commit (an audit write mid-view must not
# force every row on the page to be loaded again).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


# A value quoted at the end of the server's message ('invalid input syntax for type date: "…"').
_QUOTED_VALUE = re.compile(r': ".*"$', re.DOTALL)


@event.listens_for(Engine, "handle_error")
def _keep_patient_data_out_of_errors(context) -> None:
    """Cut a database error's message to its first line, without the values it quotes.

    `hide_parameters` keeps the statement's parameters out of the message, but PostgreSQL adds lines of its own
    with the row's values ('DETAIL: Key (mrn)=(…) already exists', 'Failing row contains (…)'): every traceback
    in the error log would carry MRNs, names and dates of birth. The constraint's name stays: it says what failed.
    """
    error = context.original_exception
    if not error.args or not isinstance(error.args[0], str):
        return
    first_line = error.args[0].split("\n", 1)[0]
    error.args = (_QUOTED_VALUE.sub(': "(value hidden)"', first_line),) + error.args[1:]
    wrapped = context.sqlalchemy_exception
    if isinstance(wrapped, DBAPIError):  # its message was made from the driver's before this event
        wrapped.args = (f"({type(error).__module__}.{type(error).__name__}) {error}",)
