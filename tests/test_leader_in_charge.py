"""分管领导 (a unit's leader in charge) is a person of the organisation, on SQLite as on PostgreSQL:
duban refuses an unknown one, the database refuses a deleted or made-up one, and an existing
database gets the constraint from ``duban init``."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from tests.conftest import dump

HEADER = "类型,编码,名称,所属单位,单位类别,民生,职务,角色,分管领导\n"


def _import(cli, db_url, tmp_path, rows: str):
    sheet = tmp_path / "org.csv"
    sheet.write_text(HEADER + rows, encoding="utf-8")
    return cli("org", "import", str(sheet), db=db_url, as_user="zhao")


def _leader_fk(db_url) -> list[dict]:
    from storage.db import get_engine

    with get_engine(db_url).connect() as conn:
        return [fk for fk in inspect(conn).get_foreign_keys("org_units")
                if fk["constrained_columns"] == ["leader_in_charge_id"]]


def _refused(db_url, statement: str) -> bool:
    """Whether the database refuses ``statement`` (rolled back either way)."""
    from storage.db import get_engine

    with get_engine(db_url).connect() as conn:
        try:
            with conn.begin() as transaction:
                conn.execute(text(statement))
                transaction.rollback()
        except IntegrityError:
            return True
    return False


def _assert_the_database_refuses_a_missing_leader(db_url) -> None:
    # lin2 is a person like lin who leads no unit: deleting that one is allowed, so the refusal is the constraint's
    assert not _refused(db_url, "DELETE FROM persons WHERE login = 'lin2'")
    assert _refused(db_url, "DELETE FROM persons WHERE login = 'lin'")
    assert _refused(db_url, "UPDATE org_units SET leader_in_charge_id = (SELECT MAX(id) + 1000 FROM persons) "
                            "WHERE code = 'JGC'")


LEADERS = ("人员,lin,林志远,BGS,,,党组成员、副局长,副组长,\n"
           "人员,lin2,林志强,BGS,,,党组成员、副局长,副组长,\n"
           "单位,JGC,建设管理处,,处室,是,,,lin\n")


def test_an_unknown_or_deleted_leader_in_charge_is_refused(campaign_db, cli, tmp_path):
    before = dump(campaign_db)
    r = _import(cli, campaign_db, tmp_path, "单位,JGC,建设管理处,,处室,是,,,nobody\n")
    assert r.code == 2 and "分管领导不存在：nobody" in r.stderr, r
    assert dump(campaign_db) == before
    assert _import(cli, campaign_db, tmp_path, LEADERS).code == 0
    assert _leader_fk(campaign_db)[0]["referred_table"] == "persons"
    _assert_the_database_refuses_a_missing_leader(campaign_db)


def test_an_existing_database_gets_the_constraint_from_duban_init(campaign_db, cli, tmp_path):
    from storage.migrate import downgrade, head_revision

    assert _import(cli, campaign_db, tmp_path, LEADERS).code == 0
    downgrade(campaign_db, "0700_web_list")  # the schema before the constraint came to SQLite
    if campaign_db.startswith("sqlite"):
        assert _leader_fk(campaign_db) == [] and not _refused(
            campaign_db, "DELETE FROM persons WHERE login = 'lin'")
    before = dump(campaign_db)
    r = cli("init", db=campaign_db, json=True)
    assert r.code == 0 and r.json()["revision"] == head_revision(), r
    after = dump(campaign_db)
    assert {t: rows for t, rows in after.items() if t != "alembic_version"} == {
        t: rows for t, rows in before.items() if t != "alembic_version"}
    assert len(_leader_fk(campaign_db)) == 1
    _assert_the_database_refuses_a_missing_leader(campaign_db)
    assert cli("audit", "verify", db=campaign_db, as_user="zhao").code == 0


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_foreign_keys_are_on_again_after_an_upgrade(db_url):
    """The migration turns SQLite's foreign keys off for its transaction only."""
    from storage.db import get_engine
    from storage.migrate import upgrade

    upgrade(db_url)
    with get_engine(db_url).connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_one_units_supervision_line_is_the_sweeps(campaign_db, cli, tmp_path):
    """A manual 督办 reads one unit's line (``supervision_line``); the sweep reads all at once
    (``supervision_lines``): the same people, in the same order, for every unit."""
    from duban.services.supervision import supervision_line, supervision_lines
    from storage.models import OrgUnit
    from storage.uow import UnitOfWork

    assert _import(cli, campaign_db, tmp_path, LEADERS).code == 0
    with UnitOfWork(campaign_db) as uow:
        ids = [unit.id for unit in uow.session.query(OrgUnit)]
        every = supervision_lines(uow.session)
        assert [supervision_line(uow.session, id_) for id_ in ids] == [every(id_) for id_ in ids]
        assert any(line[-2] is not None for line in map(every, ids))  # a leader in charge is on some line
