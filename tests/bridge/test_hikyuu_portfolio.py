"""Hikyuu portfolios live, with the real Hikyuu 2.8.3 in the test chroot (``tests/services/hikyuu_core.py``,
``hikyuu_live_env.py``), on the demo day: the sample TDX install imported by our ``importdata`` into HDF5 (Hikyuu's
``StockManager`` reads its markets and stocks from it), and the recorded next day
(``test_data/replay_sample.csv.gz``) played by our replay collector.

- Hikyuu's own ``run_in_strategy(pf, ...)`` sends no order to its broker (its sub-systems trade, the portfolio's
  ``BrokerTradeManager`` ignores their copied trades): the reason the ``PortfolioRunner`` decides through
  Hikyuu's ``Portfolio.run`` and sends the decisions itself; what it refuses, it refuses with the reason;
- the portfolio demo, on our runtime or in Hikyuu's own ``Strategy`` (its ``SpotAgent`` on our collector),
  places each decision exactly once even when it decides the same thing again and again on the bar under way,
  visible in the paper journal, and Hikyuu reads our account exactly (``get_asset_info``);
- it trades live what Hikyuu's own backtest of the portfolio trades on the same bars (``hikyuu_parity``), and
  the variant deciding on the bar still being built shows every difference with that cause.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from tests.bridge.test_hikyuu_live import DAY, ROOT, SAMPLE, live  # noqa: F401 - that module's Hikyuu fixture

pytestmark = pytest.mark.slow


def test_hikyuus_run_in_strategy_sends_no_portfolio_order_the_runner_does(live):  # noqa: F811
    env, host, inside = live
    (host / "work").mkdir()
    (host / "in_hikyuu_pf.py").write_text((ROOT / "tests" / "bridge" / "in_hikyuu_pf.py").read_text())
    done = env.python([f"{inside}/in_hikyuu_pf.py", f"{inside}/home", f"{inside}/work", f"{inside}/pf.json"],
                      home=f"{inside}/home")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    r = json.loads((host / "pf.json").read_text())
    assert len(r["backtest"]) >= 3  # the portfolio trades on the stored day
    hikyuu_way = r["run_in_strategy"]
    assert [t[1] for t in hikyuu_way["sub_system_trades"]] == [r["backtest"][-1][1]]  # its system bought ...
    assert hikyuu_way["asset_queries"] >= 1  # ... Hikyuu read our account ...
    assert hikyuu_way["bridge_calls"] == 0 and hikyuu_way["journal_orders"] == 0  # ... and sent no order
    bar, code, side, price, number = r["backtest"][-1]
    assert r["runner"]["trades"] == [[bar, code, side, price, number]]  # the runner: the backtest's decision ...
    assert r["runner"]["orders"] == [[code, side, number, "filled", bar.replace("T", " ")[:19]]]  # ... as one order
    assert r["runner"]["cash"] == 1e6  # the account's cash (get_asset_info)
    refused = r["refused"]
    assert "buy_delay True" in refused["buy_delay"] and "sys.set_param('buy_delay', False)" in refused["buy_delay"]
    assert "slippage part" in refused["slippage"] and "adjust_mode 'week' needs day bars" in refused["week"]


@pytest.mark.parametrize("runtime", ["ours", "hikyuu"])
def test_the_portfolio_places_each_decision_once_through_our_collector(live, runtime):  # noqa: F811
    """On the bar under way the same decision comes back until the bar ends: our runtime runs the portfolio every
    15 s (``--bars current --every 15``), Hikyuu's own ``Strategy`` four times a second on its ``SpotAgent``'s bars
    (its process's date moved to the recorded day with libfaketime, as ``test_hikyuu_live.py`` explains). Each
    decision must reach the paper broker once."""
    env, host, inside = live
    bus = host / f"pf_bus_{runtime}.ipc"
    runtime_args = ["--bars", "current", "--every", "15"] if runtime == "ours" else ["--runtime", "hikyuu"]
    args = ["-m", "hikyuu_live.strategy_demo_pf_hikyuu", "--clock", "market", *runtime_args, "--idle-exit", "4",
            "--summary", f"{inside}/pf_summary_{runtime}.json", "--quotation-server", f"ipc://{inside}/{bus.name}",
            "--config", f"{inside}/home", "--broker-state", f"{inside}/pf_paper_{runtime}.json"]
    strategy = env.popen(args, home=f"{inside}/home", env=env.fake_today(DAY) if runtime == "hikyuu" else None,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        collector = subprocess.run(
            [sys.executable, "-m", "hikyuu_live.spot_server", "--source", "replay", "--file", str(SAMPLE), "--speed",
             "30", "--max-gap", "1", "--ipc", f"ipc://{bus}", "--server", "none", "--wait-subscribers", "1"],
            env=dict(os.environ, HKU_HOME=str(host / "importer")), cwd=ROOT, capture_output=True, text=True,
            timeout=240)
        assert collector.returncode == 0, collector.stderr[-2000:]
        out, _ = strategy.communicate(timeout=60)
    finally:
        if strategy.poll() is None:
            strategy.kill()
            strategy.wait(10)
    assert strategy.returncode == 0, out[-4000:]
    summary = json.loads((host / f"pf_summary_{runtime}.json").read_text())
    journal = json.loads((host / f"pf_paper_{runtime}.json").read_text())
    decided = {(d["code"], d["bar"].replace("T", " ")[:19], d["side"]) for d in summary["decisions"]}
    placed = {(code, bar, side) for code, side, bar, _ in summary["keys"].values()}
    assert len(decided) >= 3, summary
    assert len(summary["decisions"]) > len(decided)  # the portfolio repeated its decisions ...
    assert summary["bridge"]["duplicates"] == len(summary["decisions"]) - len(decided)  # ... the bridge absorbed them
    assert placed == decided and summary["bridge"]["placed"] == len(decided)
    orders = journal["orders"]
    assert sorted(o["client_order_id"] for o in orders) == sorted(summary["keys"])  # each once in the journal
    assert all(o["status"] == "filled" for o in orders)
    assert {(o["market"] + o["code"], o["side"]) for o in orders} == {(c, s) for c, _, s in decided}
    # Hikyuu's BrokerTradeManager, reading get_asset_info through the bridge, sees our paper account exactly
    held = {p["market"] + p["code"]: float(p["number"]) for p in journal["positions"]}
    assert summary["hikyuu_account"] == {"cash": journal["cash"], "positions": held}
    assert summary["asset_info"]["cash"] == journal["cash"]
    assert sum(held.values()) == sum(o["number"] for o in orders if o["side"] == "buy") - sum(
        o["number"] for o in orders if o["side"] == "sell")
    took = sorted(summary["run_seconds"])
    assert len(took) == summary["runs"] and took[len(took) // 2] < 0.1  # a run holds the strategy's loop briefly


def parity(env, inside: str, strategy: str) -> subprocess.CompletedProcess[str]:
    return env.python(["-m", "hikyuu_live.hikyuu_parity", "--strategy", strategy, "--recording",
                       f"{inside}/replay.csv.gz", "--config", f"{inside}/home", "--speed", "120"],
                      home=f"{inside}/home", timeout_s=300)


def test_the_portfolio_trades_live_what_hikyuus_backtest_trades(live):  # noqa: F811
    env, host, inside = live
    done = parity(env, inside, "demo_pf_hikyuu")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-3000:]
    out = done.stdout
    assert "Hikyuu's own backtest of demo_pf_hikyuu (Portfolio.run, crtTM)" in out, out
    assert "no difference: the live path placed exactly the" in out and "coalesced_spots=0" in out, out
    table = out.split("-" * 20, 1)[1].split("\n\n", 1)[0].strip("-\n").splitlines()
    cells = [tuple(c.strip() for c in line.split(" | ")) for line in table]
    assert len(cells) >= 3 and all(a == b and a for a, b in cells), out
    assert len({c[0].split()[2] for c in cells}) >= 2, out  # more than one of the portfolio's stocks traded


def test_a_portfolio_deciding_on_the_unfinished_bar_shows_it(live):  # noqa: F811
    env, host, inside = live
    done = parity(env, inside, "broken_demo_pf")
    assert done.returncode == 1, done.stdout[-4000:] + done.stderr[-3000:]
    causes = re.findall(r"^\s+\d+\. \S+ (?:buy|sell) \S+ \((?:live only|backtest only|both)\) - ([^:]+):", done.stdout,
                        re.M)
    assert causes and set(causes) == {"unfinished bar"}, done.stdout
    assert re.search(r"decided on the unfinished MIN bar \d\d:\d\d: live at [\d.]+, backtest at [\d.]+ \(the bar's "
                     r"close so far, not its final close\)", done.stdout), done.stdout
