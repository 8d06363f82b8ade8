"""The strategy status channel: a running strategy answers state, account, P&L, orders and fills over NNG,
for the paper broker and easytrader alike, and stops when asked."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from hikyuu_live.bus import request_once
from hikyuu_live.clock import EXCHANGE_TZ, FakeClock
from hikyuu_live.errors import BusBroken
from hikyuu_live.strategy.runtime import Strategy
from hikyuu_live.strategy.status import query_status, realised_pnl, request_stop
from tests.standins.easytrader_server import EasyTraderServer, FakeTrader

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "test_data" / "replay_sample.csv.gz"


class BookingTrader(FakeTrader):
    """The stand-in client, also booking its fills into cash and positions as a real client's account does."""

    def _record(self, side: str, code: str, price: float, amount: int, fill: bool) -> str:
        entrust_no = super()._record(side, code, price, amount, fill)
        if fill and side == "买入":
            market = "SH" if code.startswith("6") else "SZ"
            held = self.positions.get(code, {}).get("股票余额", 0)
            self.hold(market, code, held + amount, 0, price)
            self.cash -= price * amount
        return entrust_no


def fill(side: str, price: float, number: int, fee: float = 5.0, code: str = "600000") -> SimpleNamespace:
    return SimpleNamespace(market="SH", code=code, side=side, price=price, number=number, fee=fee)


def test_realised_pnl_is_average_cost_with_fees():
    fills = [fill("buy", 10.0, 1000), fill("buy", 12.0, 1000), fill("sell", 13.0, 1000), fill("sell", 10.0, 500)]
    # average cost (10,000 + 5 + 12,000 + 5) / 2,000 = 11.005; sells: 13,000 - 5 - 11,005 = 1,990,
    # then 5,000 - 5 - 5,502.5 = -507.5
    assert realised_pnl(fills) == {"SH600000": round(1990.0 - 507.5, 2)}
    assert realised_pnl([fill("sell", 10.0, 100)], {"SH600000": (100, 8.0)}) == {"SH600000": 195.0}
    assert realised_pnl([fill("sell", 10.0, 100)]) == {"SH600000": -5.0}  # cost unknown: no invented gain


def run_strategy(tmp_path: Path, broker: str, monkeypatch: pytest.MonkeyPatch, port: int = 0) -> None:
    if broker == "easytrader":
        monkeypatch.setenv("HIKYUU_BROKER_HOST", "127.0.0.1")
        monkeypatch.setenv("HIKYUU_BROKER_PORT", str(port))
    bus, status = f"ipc://{tmp_path}/bus.ipc", f"ipc://{tmp_path}/status.ipc"
    stg = Strategy(["SH600000", "SZ000001"], ["day", "min"], name="watched", quotation_server=bus, broker=broker,
                   broker_state=str(tmp_path / "paper.json"), clock=FakeClock(datetime(2026, 11, 24, 9, 0,
                                                                                        tzinfo=EXCHANGE_TZ)),
                   status=status)
    bought: set[str] = set()

    def buy_once(s: Strategy, stock, spot) -> None:
        if stock.market_code not in bought and spot.close > 0:
            bought.add(stock.market_code)
            s.order(stock, 100)

    stg.on_change(buy_once)
    runner = threading.Thread(target=stg.start, kwargs={"max_seconds": 60}, daemon=True)
    runner.start()
    deadline = time.monotonic() + 10
    snap = None
    while time.monotonic() < deadline:  # the channel answers from the start, during the preload too
        try:
            snap = query_status(status)
            break
        except BusBroken:
            time.sleep(0.05)
    assert snap is not None and snap["name"] == "watched" and snap["state"] in ("preloading", "starting", "running")
    child = subprocess.Popen([sys.executable, str(ROOT / "tests" / "replay_child.py"), "--address", bus,
                              "--file", str(SAMPLE), "--speed", "200", "--max-gap", "0.05"], stdout=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            snap = query_status(status)
            if len(snap["positions"]) == 2 and snap["stats"]["cycles"] >= 5:
                break
            time.sleep(0.3)
        assert snap["state"] == "running" and snap["broker"] == broker and snap["stats"]["spots"] > 0, snap
        acc = snap["account"]
        assert len(snap["positions"]) == 2, [(o["code"], o["status"], o["reason"]) for o in snap["orders"]]
        for p in snap["positions"]:
            assert p["number"] == 100 and p["last_price"] > 0
            assert p["unrealised_pnl"] == pytest.approx((p["last_price"] - p["cost_price"]) * 100, abs=0.01)
        assert acc["unrealised_pnl"] == pytest.approx(sum(p["unrealised_pnl"] for p in snap["positions"]), abs=0.02)
        assert acc["equity"] == pytest.approx(acc["cash"] + acc["market_value"], abs=0.01)
        # the runtime's always-loaded indices were ordered too, and refused with the reason
        by_status = sorted((o["status"], o["market"] + o["code"]) for o in snap["orders"])
        assert by_status == [("filled", "SH600000"), ("filled", "SZ000001"), ("rejected", "SH000001"),
                             ("rejected", "SH000300")], by_status
        assert all("index" in o["reason"] for o in snap["orders"] if o["status"] == "rejected")
        assert len(snap["fills"]) == 2 and all(f["side"] == "buy" for f in snap["fills"])
        cli = subprocess.run([sys.executable, "-m", "hikyuu_live", "strategy_status", status], capture_output=True,
                             text=True, timeout=60)  # the same figures without the GUI
        assert cli.returncode == 0 and "equity" in cli.stdout and "SH600000" in cli.stdout, cli.stderr
        request_stop(status)
        runner.join(15)
        assert not runner.is_alive()
    finally:
        child.kill()
        child.wait()
        stg.stop()


def test_status_channel_with_the_paper_broker(tmp_path, monkeypatch):
    run_strategy(tmp_path, "paper", monkeypatch)


def test_status_channel_with_easytrader(tmp_path, monkeypatch):
    with EasyTraderServer(BookingTrader(cash=500_000.0)) as server:
        run_strategy(tmp_path, "easytrader", monkeypatch, server.port)


def test_unknown_requests_are_answered_with_an_error(tmp_path):
    status = f"ipc://{tmp_path}/status.ipc"
    stg = Strategy(["SH600000"], ["day"], quotation_server=f"ipc://{tmp_path}/bus.ipc", status=status,
                   broker_state=str(tmp_path / "p.json"))
    runner = threading.Thread(target=stg.start, kwargs={"max_seconds": 20}, daemon=True)
    runner.start()
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                answer = json.loads(request_once(status, b"not json", timeout_s=2))
                break
            except BusBroken:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert answer["ret"] == 1 and "status" in answer["msg"]
        assert query_status(status)["account"]["cash"] == 1_000_000.0  # the paper broker, opened at start
    finally:
        stg.stop()
        runner.join(10)
