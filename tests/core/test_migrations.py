"""The schema comes only from Alembic, matches the models, and round-trips."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from teller.core import schema
from teller.core.ledger.db import make_engine


pytestmark = pytest.mark.postgres


def test_upgrade_from_empty_matches_the_models(core_url):
    schema.upgrade(core_url)
    assert schema.current_revision(core_url) == schema.head_revision()
    engine = make_engine(core_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), schema.METADATA)
    dialect = engine.dialect.name
    engine.dispose()
    # PostgreSQL leaves out exactly the journal's shared-reference keys, no more
    undeclared = {(d[1].parent.name, d[1].column_keys[0], d[1].referred_table.name)
                  for d in diff if d[0] == "add_fk"} if dialect == "postgresql" else set()
    assert undeclared == (schema.PG_UNDECLARED_FOREIGN_KEYS if dialect == "postgresql"
                          else set())
    assert [d for d in diff if d[0] != "add_fk" or dialect != "postgresql"] == []


def test_downgrade_and_upgrade_round_trip(core_url):
    schema.upgrade(core_url)
    schema.downgrade(core_url, "base")
    engine = make_engine(core_url)
    tables = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert tables == set()
    schema.upgrade(core_url)
    engine = make_engine(core_url)
    with engine.connect() as conn:
        subjects = conn.execute(sa.text("SELECT code FROM gl_subjects ORDER BY code")).scalars()
        assert list(subjects) == ["1001", "2002", "2012", "2013", "2017", "2018", "2231",
                                  "2241", "3010", "6021", "6301", "6411", "6711", "9001"]
    engine.dispose()
