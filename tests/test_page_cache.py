"""Kept pages of events (store/page_cache.py): served only while nothing they depend on has changed."""

import psycopg
import pytest

from tests import builders
from vtn.store.page_cache import PageCache, read_version


@pytest.fixture
def granted(bl, ven):
    """A program, the VEN granted feeder-1 through its ven object; returns (program id, ven id)."""
    program = bl.post("/programs", json=builders.program(targets=["feeder-1"])).get_json()
    ven_obj = bl.post("/vens", json=builders.ven_by_bl(ven.client_id, targets=["feeder-1"])).get_json()
    return program["id"], ven_obj["id"]


def ids(party, **query) -> list[str]:
    """The ids of the events a party reads (twice: the second read may come from the cache)."""
    first = [e["id"] for e in party.get("/events", query=query or None).get_json()]
    assert [e["id"] for e in party.get("/events", query=query or None).get_json()] == first
    return first


def test_every_kind_of_write_shows_in_the_next_poll(bl, ven, granted):
    program_id, ven_id = granted
    assert ids(ven) == []
    one = bl.post("/events", json=builders.event(program_id, targets=["feeder-1"])).get_json()["id"]
    assert ids(ven) == [one]
    two = bl.post("/events", json=builders.event(program_id, targets=["feeder-2"])).get_json()["id"]
    assert ids(ven) == [one]
    bl.post("/resources", json=builders.resource_by_bl(ven_id, targets=["feeder-2"]))  # grants feeder-2
    assert ids(ven) == [one, two]
    bl.put(f"/events/{one}", json=builders.event(program_id, targets=["feeder-9"]))
    assert ids(ven) == [two]
    bl.delete(f"/events/{two}")
    assert ids(ven) == []
    assert ids(ven, targets="feeder-9") == []


def test_pages_are_kept_per_caller_and_query(bl, ven, parties, granted):
    program_id, _ = granted
    bl.post("/events", json=builders.event(program_id, targets=["feeder-1"]))
    other = parties("ven", "another fleet")
    assert len(ids(ven)) == 1
    assert ids(other) == []
    assert ids(ven, targets="feeder-7") == []
    assert len(ids(bl)) == 1


def test_cache_keeps_to_its_budget_and_checks_versions():
    cache = PageCache(budget_chars=100)
    cache.put("a", 1, "x" * 20)
    cache.put("b", 1, "y" * 20)
    assert cache.get("a", 1) == "x" * 20
    assert cache.get("a", 2) is None  # written since
    for n in range(10):
        cache.put(n, 1, "z" * 20)
    assert cache.get("a", 1) is None and cache.get(9, 1) == "z" * 20
    cache.put("big", 1, "w" * 60)  # more than a quarter of the budget: not kept
    assert cache.get("big", 1) is None


def test_kept_queries_are_per_query_string_and_never_keep_an_error(bl, ven, granted):
    program_id, _ = granted
    one = bl.post("/events", json=builders.event(program_id, targets=["feeder-1"])).get_json()["id"]
    for _ in range(2):
        assert ven.get("/events", query={"limit": "51"}).status_code == 400
        assert ven.get("/events", query={"skip": "x"}).status_code == 400
    assert ids(ven, targets="feeder-1") == [one]
    assert ids(ven, targets="feeder-3") == []
    assert ids(ven, targets="feeder-1", limit="0") == []
    assert ids(ven, targets="feeder-1") == [one]


@pytest.fixture
def conn(database_url):
    """A connection in autocommit, as Database.statements() lends one."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        yield connection


def test_read_version_leaves_no_statement_behind(conn):
    first = read_version(conn)
    conn.execute("DEALLOCATE ALL")  # what psycopg sends after a rollback: nothing of ours to lose
    conn.execute("UPDATE read_version SET n = n + 1")
    assert read_version(conn) == first + 1
    assert conn.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()[0] == 0


def test_read_version_inside_a_transaction_reads_in_it(conn):
    before = read_version(conn)
    with conn.transaction():
        conn.execute("UPDATE read_version SET n = n + 1")
        assert read_version(conn) == before + 1
        assert conn.pgconn.transaction_status == psycopg.pq.TransactionStatus.INTRANS


def test_read_version_raises_what_psycopg_raises(conn, database_url):
    conn.execute("SET search_path TO pg_catalog")  # no read_version table here
    with pytest.raises(psycopg.errors.UndefinedTable):
        read_version(conn)
    conn.execute("SET search_path TO public")
    with psycopg.connect(database_url, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", (conn.info.backend_pid,))
    with pytest.raises(psycopg.OperationalError):
        read_version(conn)
