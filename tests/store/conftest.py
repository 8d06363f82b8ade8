"""``store``: one fixture, every backend (HDF5 + SQLite, MySQL on MariaDB, ClickHouse), each test body
runs against all three. Database backends use schema names of their own, dropped afterwards."""

from __future__ import annotations

import uuid

import pytest

from hikyuu_live.store import make_store

BACKENDS = ["hdf5", "mysql", "clickhouse"]


def build(name: str, request: pytest.FixtureRequest, tmp_path, tag: str):
    if name == "hdf5":
        return make_store("hdf5", directory=tmp_path / "data")
    if name == "mysql":
        db = request.getfixturevalue("mariadb")
        return make_store("mysql", host=db.host, port=db.port, schema_prefix=f"t{tag}_")
    ch = request.getfixturevalue("clickhouse")
    return make_store("clickhouse", host=ch.host, port=ch.http_port, database_prefix=f"t{tag}_")


@pytest.fixture(params=BACKENDS)
def store_factory(request, tmp_path):
    """Builds stores of one backend over the same data (a second object = another process's view)."""
    tag = uuid.uuid4().hex[:10]
    made = []

    def make():
        s = build(request.param, request, tmp_path, tag)
        made.append(s)
        return s

    yield make
    cleanup = build(request.param, request, tmp_path, tag)
    for s in made:
        s.close()
    if request.param != "hdf5":
        cleanup.open()
        cleanup.drop_all()
    cleanup.close()


@pytest.fixture
def store(store_factory):
    return store_factory().open()
