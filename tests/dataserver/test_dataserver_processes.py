"""The data server end to end: replay collector, ``dataserver`` and clients, each in its own process.

What is published is known (the recorded sample), so every answer is checked against it: ticks value by
value, bars against ``LiveBars`` fed the same cycles here, the snapshot against the last spot of each code.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import msgpack
import numpy as np
import pytest

from hikyuu_live.bus import RequestClient
from hikyuu_live.config import HIKYUU_INI, IMPORT_INI, hikyuu_ini_text, import_ini_text, update_ini
from hikyuu_live.dataserver import (
    BufferServerClient,
    ErrorCode,
    get_buffer_server_status,
    get_data_from_buffer_server,
    get_snapshot_from_buffer_server,
    get_spot_from_buffer_server,
)
from hikyuu_live.dataserver.barbook import DEFAULT_KTYPES
from hikyuu_live.errors import BusBroken, BusTimeout, ServerError
from hikyuu_live.fetcher.stock.replay import load_replay
from hikyuu_live.model.bars import LiveBars
from hikyuu_live.model.spot import market_codes
from hikyuu_live.store.hdf5.ticks import H5TickStore
from hikyuu_live.store.parquet.ticks import ParquetTickStore
from tests.dataserver.conftest import SAMPLE, ServerProcess, free_port, start_replay
from tests.dataserver.test_protocol import strings_are_str

FLOOD_CHILD = Path(__file__).with_name("flood_child.py")
DAY = date(2026, 11, 24)
CYCLES = load_replay(SAMPLE)
PUBLISHED = np.concatenate([c.spots for c in CYCLES])  # in publish order
KEYS = sorted(set(market_codes(PUBLISHED).tolist()))
MAX_CODES = 50
MAX_BYTES = 8192
DT_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
FIELDS = ("yesterday_close", "open", "high", "low", "close", "amount", "volume", "bid", "bid_amount", "ask",
          "ask_amount")


def published_ticks() -> dict[str, np.ndarray]:
    """Per code, the spots that are ticks: newer than the last one, or the same time with other numbers."""
    out: dict[str, list] = {}
    for row, key in zip(PUBLISHED, market_codes(PUBLISHED).tolist(), strict=True):
        ticks = out.setdefault(key, [])
        if not ticks or row["datetime"] > ticks[-1]["datetime"] or (
                row["datetime"] == ticks[-1]["datetime"] and row.tobytes() != ticks[-1].tobytes()):
            ticks.append(row)
    return {k: np.array(v) for k, v in out.items()}


def published_bars() -> LiveBars:
    bars = LiveBars(KEYS, DEFAULT_KTYPES, DAY)
    for c in CYCLES:
        bars.update(c.spots)
    return bars


EXPECTED_TICKS = published_ticks()
TOTAL_TICKS = sum(len(v) for v in EXPECTED_TICKS.values())


def same_ticks(got: np.ndarray, want: np.ndarray) -> bool:
    if len(got) != len(want):
        return False
    secs = want["datetime"].astype("M8[s]")  # the protocol sends whole seconds
    return bool((got["datetime"].astype("M8[s]") == secs).all() and all((got[f] == want[f]).all() for f in FIELDS))


def all_answers(addr: str) -> dict:
    """Every tick and every bar of every code, as the clients return them."""
    out = {}
    with BufferServerClient(addr) as c:
        for k in KEYS:
            out[("tick", k)] = c.tick(k[:2], k[2:])
        for kt in DEFAULT_KTYPES:
            for i in range(0, len(KEYS), MAX_CODES):
                for k, bars in c.market(KEYS[i:i + MAX_CODES], kt).items():
                    out[(kt.value, k)] = bars
    return out


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One dataserver process fed the whole sample by a replay collector process."""
    home = tmp_path_factory.mktemp("served")
    bus, addr = f"ipc://{home}/bus.ipc", f"tcp://127.0.0.1:{free_port()}"
    server = ServerProcess(addr, bus, home, "--buf", "--save", "--tick-dir", str(home / "tick"), "--parquet_path",
                           str(home / "pq"), "--parquet-flush-s", "0.5", "-n", "3", "--max-codes", str(MAX_CODES),
                           "--max-request-bytes", str(MAX_BYTES)).start()
    replay = start_replay(bus, speed=1000)
    assert replay.wait(120) == 0
    server.wait_for(lambda st: st["ticks"] == TOTAL_TICKS, what="all ticks received")
    yield server, home
    assert server.stop() == 0, server.output()


# --------------------------------------------------------------------------- answers match what was published


def test_every_code_ticks_match_published(served):
    server, _ = served
    for k in KEYS:
        got = get_spot_from_buffer_server(server.addr, k[:2], k[2:], None)
        assert same_ticks(got, EXPECTED_TICKS[k]), k
        assert (got["market"] == k[:2]).all() and (got["code"] == k[2:]).all()


def test_ticks_since_a_datetime_in_hikyuu_forms(served):
    server, _ = served
    want = EXPECTED_TICKS["SH600000"]
    since = want["datetime"][10].astype("M8[s]")
    with BufferServerClient(server.addr) as c:
        assert same_ticks(c.tick("SH", "600000", str(since).replace("T", " ")), want[10:])
        t = (since - np.timedelta64(1, "s")).item()
        frac = f"{t:%Y-%m-%d %H:%M}:{t.second}.1234560"  # Hikyuu sends odd forms like "09:30:1.1234560"
        assert same_ticks(c.tick("sh", "600000", frac), want[10:])
        assert len(c.tick("SH", "600000", "+infinity")) == 0
        assert len(c.tick("SH", "999999")) == 0  # an unknown code has no ticks


def test_market_bars_match_livebars_fed_the_published_cycles(served):
    server, _ = served
    ref = published_bars()
    for kt in DEFAULT_KTYPES:
        for i in range(0, len(KEYS), MAX_CODES):
            got = get_data_from_buffer_server(server.addr, KEYS[i:i + MAX_CODES], kt.value.lower())
            assert sorted(got) == KEYS[i:i + MAX_CODES]
            for k, bars in got.items():
                want = ref.bars(k, kt)
                assert len(bars) == len(want) and (bars == want).all(), (kt, k)


def test_market_dates_give_bars_at_or_after_the_callers_newest(served):
    server, _ = served
    ref = published_bars().bars("SZ000001", DEFAULT_KTYPES[1])
    newest = ref["datetime"][5].astype("M8[s]").item()
    got = get_data_from_buffer_server(server.addr, {"SZ000001": newest, "SH600000": "2026-11-23 00:00:00"}, "MIN")
    assert (got["SZ000001"] == ref[5:]).all()
    assert got["SH600000"]["datetime"][0] == np.datetime64("2026-11-24T09:31")


def test_answers_have_the_shapes_hikyuus_client_accepts(served):
    server, _ = served
    p = msgpack.packb
    with RequestClient(server.addr, timeout_s=10) as c:
        day = msgpack.unpackb(c.request(p({"cmd": "market", "codes": ["SH600000", "SH999999"],
                                           "dates": ["2026-11-23 00:00:00", "1400-01-01 00:00:00"],
                                           "ktype": "day"})), raw=False)
        mins = msgpack.unpackb(c.request(p({"cmd": "market", "codes": ["SZ000001"], "dates": ["1400-01-01 00:00:00"],
                                            "ktype": "Min5"})), raw=False)
        empty = msgpack.unpackb(c.request(p({"cmd": "market", "codes": None, "dates": None, "ktype": "DAY"})),
                                raw=False)
        tick = msgpack.unpackb(c.request(p({"cmd": "tick", "market": "SH", "code": "600000",
                                            "datetime": "2026-11-24 09:30:00"})), raw=False)
        bad = msgpack.unpackb(c.request(p({"cmd": "nope"})), raw=False)
    for ans in (day, mins, empty, tick, bad):
        assert strings_are_str(ans) and type(ans["ret"]) is int
    assert day["ret"] == 0 and [e["code"] for e in day["data"]] == ["SH600000", "SH999999"]
    assert all(set(e) == {"code", "data"} for e in day["data"]) and day["data"][1]["data"] == []
    assert day["data"][0]["data"][0][0] == "2026-11-24 00:00:00" and len(day["data"][0]["data"][0]) == 7
    assert all(len(r) == 7 and DT_TEXT.match(r[0]) for r in mins["data"][0]["data"])
    assert mins["data"][0]["data"][0][0] == "2026-11-24 09:35:00"  # labelled by the end of the bar
    assert empty == {"ret": 0, "data": []}
    assert all(len(r) == 12 and DT_TEXT.match(r[0]) and all(len(b) == 5 for b in r[8:]) for r in tick["data"])
    assert bad["ret"] == ErrorCode.INVALID_CMD and isinstance(bad["msg"], str) and "data" not in bad


def test_snapshot_is_the_last_spot_of_every_code(served):
    server, _ = served
    last = {k: v[-1] for k, v in EXPECTED_TICKS.items()}
    snap = get_snapshot_from_buffer_server(server.addr)
    assert sorted(market_codes(snap).tolist()) == KEYS
    for row in snap:
        want = last[str(row["market"]) + str(row["code"])]
        assert row["name"] == want["name"] and row["datetime"] == want["datetime"].astype("M8[s]")
        assert all((row[f] == want[f]).all() for f in FIELDS)
    some = get_snapshot_from_buffer_server(server.addr, ["SH600000", "SZ000001"])
    assert sorted(market_codes(some).tolist()) == ["SH600000", "SZ000001"]


def test_status_reports_ticks_clients_cycles_and_stores(served):
    server, _ = served
    st = server.wait_for(lambda s: all(x["saved_rows"] == TOTAL_TICKS for x in s["stores"]), what="all saved")
    assert st["ticks"] == TOTAL_TICKS and st["codes"] == len(KEYS) and st["trading_day"] == "2026-11-24"
    assert st["last_cycle"]["id"] == len(CYCLES) and st["last_cycle"]["complete"]
    assert st["clients"] >= 1 and st["requests"]["total"] > 0 and st["uptime_s"] > 0
    assert 124 <= st["buffer"]["bytes_per_tick"] <= 250
    assert [s["store"].split(":")[0] for s in st["stores"]] == ["hdf5", "parquet"]
    assert get_buffer_server_status(server.addr)["ticks"] == TOTAL_TICKS


def test_saved_files_hold_every_tick_in_arrival_order(served):
    server, home = served
    server.wait_for(lambda s: all(x["saved_rows"] == TOTAL_TICKS for x in s["stores"]), what="all saved")
    for store in (H5TickStore(home / "tick"), ParquetTickStore(home / "pq")):  # read while the server writes
        rows = store.load_day(DAY)
        assert (rows["seq"] == np.arange(TOTAL_TICKS)).all(), store
        assert (np.char.decode(rows["code"]) == PUBLISHED["code"]).all()
        assert (rows["datetime"] == PUBLISHED["datetime"].astype(np.int64)).all()


# --------------------------------------------------------------------------- limits and malformed requests


def test_limits_are_refused_with_their_error_codes(served):
    server, _ = served
    with BufferServerClient(server.addr) as c:
        with pytest.raises(ServerError) as e:
            c.market([f"SH6{i:05d}" for i in range(MAX_CODES + 1)], "DAY")
        assert e.value.ret == ErrorCode.TOO_MANY_CODES
        with pytest.raises(ServerError) as e:
            c.ask("status", pad="x" * MAX_BYTES)
        assert e.value.ret == ErrorCode.REQUEST_TOO_LARGE
        with pytest.raises(ServerError) as e:
            c.market(["SH600000"], "WEEK")
        assert e.value.ret == ErrorCode.NOT_AVAILABLE
    # far past the limit nng itself drops the body and the connection: no answer, and no harm done
    with pytest.raises(BusTimeout), BufferServerClient(server.addr, timeout_s=1.0) as c:
        c.ask("status", pad="x" * (4 << 20))
    assert server.status()["ticks"] == TOTAL_TICKS


def test_flood_of_bad_requests_does_not_disturb_a_good_client(served):
    server, _ = served
    flood = subprocess.Popen([sys.executable, str(FLOOD_CHILD), server.addr, "4", "4", str(MAX_BYTES),
                              str(MAX_CODES)], stdout=subprocess.PIPE, text=True)
    want_ticks = EXPECTED_TICKS["SH600000"]
    want_day = published_bars().bars("SZ000001", DEFAULT_KTYPES[0])
    good, wrong = 0, []
    deadline = time.monotonic() + 4
    with BufferServerClient(server.addr, timeout_s=5.0) as c:
        while time.monotonic() < deadline:
            if not same_ticks(c.tick("SH", "600000"), want_ticks):
                wrong.append("tick")
            if not (c.market(["SZ000001"], "DAY")["SZ000001"] == want_day).all():
                wrong.append("market")
            good += 2
    out, _ = flood.communicate(timeout=60)
    assert flood.returncode == 0
    report = json.loads(out)
    assert not wrong and good >= 20
    assert "timeout" not in report and "0" not in report, report  # every bad request got an error code
    assert set(report) <= {str(int(c)) for c in ErrorCode}
    assert {"10", "3", "4", "11", "12", "13"} <= set(report), report
    st = server.status()
    assert st["requests"]["refused"] >= sum(report.values()) and st["ticks"] == TOTAL_TICKS


def test_nothing_listening_fails_at_once():
    t0 = time.monotonic()
    with pytest.raises(BusBroken):
        get_buffer_server_status(f"tcp://127.0.0.1:{free_port()}")
    assert time.monotonic() - t0 < 5


# --------------------------------------------------------------------------- kill -9 and restart


def test_kill_9_mid_day_and_restart_loses_no_saved_tick(server_factory, tmp_path):
    bus, addr = f"ipc://{tmp_path}/bus.ipc", f"tcp://127.0.0.1:{free_port()}"
    args = ("--buf", "--save", "--tick-dir", str(tmp_path / "tick"), "--flush-s", "0.2", "--max-codes", "1000")
    first = server_factory(addr, bus, *args).start()
    replay = start_replay(bus, speed=150)
    st = first.wait_for(lambda s: s["stores"][0]["saved_seq"] >= 6000, what="a third of the day saved")
    saved = st["stores"][0]["saved_seq"] + 1  # at least these were written when we looked
    first.kill()
    second = server_factory(addr, bus, *args).start()
    assert second.status()["ingest"]["recovered_ticks"] >= saved
    assert replay.wait(120) == 0
    second.wait_for(lambda s: s["last_cycle"].get("id") == len(CYCLES) and s["stores"][0]["pending"] == 0,
                    what="the last cycle received and saved")
    answers = all_answers(addr)
    got = {(k, str(t)) for (kind, k), rows in answers.items() if kind == "tick"
           for t in rows["datetime"].astype("M8[s]")}
    n_got = sum(len(rows) for (kind, _), rows in answers.items() if kind == "tick")
    pub_keys = market_codes(PUBLISHED).tolist()
    published = [(k, str(t)) for k, t in zip(pub_keys, PUBLISHED["datetime"].astype("M8[s]"), strict=True)]
    assert n_got == len(got)  # no tick twice
    assert got <= set(published)  # nothing invented
    assert set(published[:saved]) <= got  # every tick saved before the kill is back
    assert set(published[-len(CYCLES[-1].spots):]) <= got  # and the feed went on after the restart
    for (kind, k), rows in answers.items():
        if kind == "tick":  # values too, not only times
            want = EXPECTED_TICKS[k]
            secs = want["datetime"].astype("M8[s]")
            assert same_ticks(rows, want[np.isin(secs, rows["datetime"].astype("M8[s]"))]), k

    # everything saved: a second kill -9 and restart gives back exactly the same answers
    second.kill()
    third = server_factory(addr, bus, *args).start()
    again = all_answers(addr)
    assert again.keys() == answers.keys()
    for key, rows in answers.items():
        assert len(again[key]) == len(rows) and (again[key] == rows).all(), key
    assert third.status()["ticks"] == n_got


def test_clickhouse_from_hikyuu_ini_is_where_ticks_go_and_come_back_from(server_factory, tmp_path, clickhouse_port):
    home = tmp_path / "config"
    home.mkdir()
    (home / HIKYUU_INI).write_text(hikyuu_ini_text("clickhouse", tmp_path / "data", port=9000, usr="default"))
    (home / IMPORT_INI).write_text(import_ini_text(tmp_path / "data"))
    update_ini(home / IMPORT_INI, {"clickhouse": {"http_port": clickhouse_port}})
    bus, addr = f"ipc://{tmp_path}/bus.ipc", f"tcp://127.0.0.1:{free_port()}"
    args = ("--buf", "--save", "--config", str(home), "--max-codes", "1000", "--status-paths")
    first = server_factory(addr, bus, *args).start()
    assert first.status()["stores"][0]["store"].startswith(f"clickhouse:127.0.0.1:{clickhouse_port}/hku_tick.")
    assert start_replay(bus, speed=1000).wait(120) == 0
    first.wait_for(lambda s: s["stores"][0]["saved_rows"] == TOTAL_TICKS, what="all ticks in ClickHouse")
    before = {k: get_spot_from_buffer_server(addr, k[:2], k[2:]) for k in KEYS[:20]}
    first.kill()
    second = server_factory(addr, bus, *args).start()
    assert second.status()["ticks"] == TOTAL_TICKS
    for k, rows in before.items():
        assert (get_spot_from_buffer_server(addr, k[:2], k[2:]) == rows).all(), k
