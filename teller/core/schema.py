"""Schema management through Alembic — the only way the core schema is made.

``upgrade(url)`` brings a database to the newest revision; ``downgrade(url, rev)``
goes back. The scripts live in the repository's ``migrations/`` folder.
"""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from teller.core.accounts import models as _accounts
from teller.core.cash import models as _cash
from teller.core.controls import models as _controls
from teller.core.customers import models as _customers
from teller.core.day import models as _day
from teller.core.ledger.db import make_engine, normalize_url
from teller.core.ledger.models import Base
from teller.core.loss import models as _loss
from teller.core.operators import models as _operators
from teller.core.time_deposits import models as _time_deposits
from teller.core.vouchers import models as _vouchers

#: Every table of the core: the kernel's and each area's (what Alembic's
#: autogenerate and the migration test compare the migrations against).
AREA_MODELS = (_accounts, _cash, _controls, _customers, _day, _loss, _operators,
               _time_deposits, _vouchers)
METADATA = Base.metadata

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

#: Foreign keys the models declare that PostgreSQL does not (migration
#: 0021_pg_journal_references): the journal's references to the shared branch
#: and subject rows, kept by the posting paths and verified by ``teller check``
#: instead (the third, to denominations, went with 0022's one movement row per
#: box and entry). (table, column, referenced table)
PG_UNDECLARED_FOREIGN_KEYS = frozenset({
    ("journal_entries", "branch_code", "branches"),
    ("postings", "subject_code", "gl_subjects"),
})


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
