"""The data server's start-up decisions, in-process: which store recovery reads, which day, and what is
answered without ``--buf`` or while recovering."""

from __future__ import annotations

import threading
import time
from datetime import datetime

import msgpack
import numpy as np
import pytest

from hikyuu_live.bus import QuotePublisher
from hikyuu_live.clock import FakeClock
from hikyuu_live.dataserver import BufferServerClient, DataServer, DataServerConfig, ErrorCode
from hikyuu_live.dataserver.answers import Answerer
from hikyuu_live.dataserver.barbook import BarBook
from hikyuu_live.dataserver.buffer import TickBuffer
from hikyuu_live.dataserver.protocol import Limits
from hikyuu_live.errors import BusBroken, ServerError
from hikyuu_live.store.hdf5.ticks import H5TickStore
from hikyuu_live.store.parquet.ticks import ParquetTickStore
from tests.spot_factory import make_spots


def saved_day(n_cycles: int = 5, n: int = 40) -> np.ndarray:
    buf = TickBuffer()
    base = make_spots(n, seed=1, micro=False)
    out = []
    for k in range(n_cycles):
        s = base.copy()
        s["datetime"] = np.datetime64("2026-11-24T09:30:00") + np.timedelta64(3 * k, "s")
        s["volume"] += k
        out.append(buf.add(s))
    return np.concatenate(out)


def config(tmp_path, **kw) -> DataServerConfig:
    return DataServerConfig(addr=f"ipc://{tmp_path}/rep.ipc", quotation_server=f"ipc://{tmp_path}/bus.ipc", **kw)


def test_recovery_reads_the_fuller_store_and_the_other_catches_up(tmp_path):
    rows = saved_day()
    h5, pq = H5TickStore(tmp_path / "h5"), ParquetTickStore(tmp_path / "pq")
    h5.write(rows[:120])  # the first store fell behind (it was down), the second has everything
    pq.write(rows)
    h5.close()
    pq.close()
    clock = FakeClock(datetime(2026, 11, 24, 15, 30))
    h5, pq = H5TickStore(tmp_path / "h5"), ParquetTickStore(tmp_path / "pq")
    with DataServer(config(tmp_path, buf=True), stores=[h5, pq], clock=clock) as srv:
        assert srv.status()["ticks"] == len(rows) and srv.buffer.next_seq == len(rows)
    assert (H5TickStore(tmp_path / "h5").load_day(rows["datetime"][0].astype("M8[us]").item().date()) == rows).all()


def test_an_old_day_is_not_reloaded(tmp_path):
    h5 = H5TickStore(tmp_path / "h5")
    h5.write(saved_day())
    h5.close()
    clock = FakeClock(datetime(2026, 12, 7, 9, 0))  # two weeks later
    with DataServer(config(tmp_path, buf=True), stores=[H5TickStore(tmp_path / "h5")], clock=clock) as srv:
        assert srv.status()["ticks"] == 0 and srv.buffer.day is None


def test_the_previous_trading_day_is_reloaded_before_the_open(tmp_path):
    h5 = H5TickStore(tmp_path / "h5")
    h5.write(saved_day())  # Tuesday 2026-11-24
    h5.close()
    clock = FakeClock(datetime(2026, 11, 25, 8, 0))  # Wednesday morning
    with DataServer(config(tmp_path, buf=True), stores=[H5TickStore(tmp_path / "h5")], clock=clock) as srv:
        assert srv.status()["trading_day"] == "2026-11-24" and srv.status()["ticks"] == 200


def test_without_buf_snapshot_and_status_answer_ticks_and_bars_do_not(tmp_path):
    clock = FakeClock(datetime(2026, 11, 24, 10, 0))
    spots = make_spots(30, seed=2, when="2026-11-24T09:30:00")
    with DataServer(config(tmp_path, buf=False), clock=clock), \
            QuotePublisher([f"ipc://{tmp_path}/bus.ipc"], source="t") as pub, \
            BufferServerClient(f"ipc://{tmp_path}/rep.ipc") as c:
        assert pub.wait_for_subscribers(1, 10)
        pub.publish_cycle(spots)
        deadline = time.monotonic() + 10
        while c.status()["ticks"] < 30 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(c.snapshot()) == 30
        for ask in (lambda: c.tick("SH", "600000"), lambda: c.market(["SH600000"], "DAY")):
            with pytest.raises(ServerError) as e:
                ask()
            assert e.value.ret == ErrorCode.NOT_AVAILABLE and "--buf" in e.value.msg


def test_while_recovering_data_commands_say_so():
    ready = threading.Event()
    ans = Answerer(limits=Limits(), buffer=TickBuffer(), book=BarBook(), latest=lambda: make_spots(0),
                   status=lambda: {"ready": ready.is_set()}, ready=ready)
    out = msgpack.unpackb(ans.handle(msgpack.packb({"cmd": "tick", "market": "SH", "code": "600000"})))
    assert out["ret"] == ErrorCode.NOT_AVAILABLE and "recovering" in out["msg"]
    assert msgpack.unpackb(ans.handle(msgpack.packb({"cmd": "status"}))) == {"ret": 0, "data": {"ready": False}}


def test_a_handler_bug_is_answered_not_raised():
    def broken() -> dict:
        raise RuntimeError("boom")

    ans = Answerer(limits=Limits(), buffer=TickBuffer(), book=None, latest=lambda: make_spots(0), status=broken,
                   ready=threading.Event())
    out = msgpack.unpackb(ans.handle(msgpack.packb({"cmd": "status"})))
    assert out["ret"] == ErrorCode.UNKNOWN_ERROR and "RuntimeError" in out["msg"]


def test_address_in_use_fails_start_cleanly(tmp_path):
    cfg = config(tmp_path, buf=True)
    with DataServer(cfg):
        second = DataServer(cfg)
        with pytest.raises(BusBroken, match="another server"):
            second.start()
        assert second.state.value == "closed"
