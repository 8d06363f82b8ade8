"""Runs INSIDE the Hikyuu chroot (``hikyuu_core.py``), under its Python 3.13 with only numpy and the wheel.

Usage: ``hikyuu_core_reader.py HIKYUU_INI CODES_JSON OUT_JSON``, or ``HIKYUU_INI --time-preload OUT_JSON``
(the seconds ``StockManager.init`` takes to preload, for ``bench/bench_import.py``). Loads Hikyuu's
compiled core directly (its Python package ``__init__`` wants pandas, matplotlib, PySide6... which the
oracle does not need), initialises ``StockManager`` from the ini the way ``hikyuu.hikyuu_init`` does,
and writes what Hikyuu sees: every K-data type of each code, stocks, markets' last dates, weights, blocks and holidays.
"""

import configparser
import glob
import importlib.util
import json
import sys
import time

KTYPES = ["DAY", "WEEK", "MONTH", "QUARTER", "HALFYEAR", "YEAR", "MIN", "MIN5", "MIN15", "MIN30", "MIN60", "HOUR2"]
FLAGS = {"day", "week", "month", "quarter", "halfyear", "year", "min", "min5", "min15", "min30", "min60", "hour2",
         "timeline", "trans"}


def load_core():
    so = glob.glob("/opt/hv/lib/python3*/site-packages/hikyuu/cpp/core3*.so")
    so = [p for p in so if p.endswith(f"core{sys.version_info[0]}{sys.version_info[1]}.so")][0]
    spec = importlib.util.spec_from_file_location(so.rsplit("/", 1)[1][:-3], so)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def section(h, ini, name, conv=None):
    p = h.Parameter()
    for k in ini.options(name):
        p[k] = conv(name, k) if conv else ini.get(name, k)
    return p


def main():
    ini_path, codes_path, out_path = sys.argv[1:4]
    h = load_core()
    ini = configparser.ConfigParser()
    ini.read(ini_path, encoding="utf-8")
    hku = h.Parameter()
    hku["tmpdir"] = ini.get("hikyuu", "tmpdir")
    hku["datadir"] = ini.get("hikyuu", "datadir")
    hku["quotation_server"] = ini.get("hikyuu", "quotation_server", fallback="ipc:///tmp/hikyuu_real.ipc")
    hku["load_history_finance"] = False
    hku["load_stock_weight"] = True
    hku["plugindir"] = "/nonexistent"
    hku["reload_time"] = "00:00"
    hku["lazy_preload"] = False
    hku["use_shm_server"] = False
    hku["shm_server_wait_timeout"] = 600
    preload = section(h, ini, "preload", lambda s, k: ini.getboolean(s, k) if k in FLAGS else ini.getint(s, k))
    sm = h.StockManager.instance()
    t0 = time.perf_counter()
    sm.init(section(h, ini, "baseinfo"), section(h, ini, "block"), section(h, ini, "kdata"), preload, hku,
            h.StrategyContext(["all"]))
    while not sm.data_ready:  # the preload runs in Hikyuu's thread pool; init may return before it ends
        time.sleep(0.001)
    if codes_path == "--time-preload":  # benchmark mode: how long Hikyuu's own preload took, and of what
        bars = sum(s.get_count(h.Query.DAY) for s in sm)
        with open(out_path, "w") as f:
            json.dump({"seconds": time.perf_counter() - t0, "stocks": len(sm), "day_bars": bars}, f)
        return
    out = {"stocks": sorted([s.market_code, s.name, s.type, bool(s.valid), str(s.start_datetime)[:10]] for s in sm),
           "markets": {m: str(sm.get_market_info(m).last_datetime)[:10] for m in ("SH", "SZ", "BJ")},
           "blocks": sorted([b.category, b.name, sorted(x.market_code for x in b.get_stock_list())]
                            for b in sm.get_block_list()),
           "kdata": {}, "weights": {}}
    days = [h.Datetime(y * 100000000 + md * 10000) for y in range(2024, 2027) for md in (101, 1001, 1002, 1009)]
    out["holidays"] = [str(d)[:10] for d in days if sm.is_holiday(d)]
    out["block_index"] = sorted([b.category, b.name, b.index_stock.market_code] for b in sm.get_block_list()
                                if not b.index_stock.is_null())
    bond_days = [h.Datetime(d) for d in (20240228, 20240229, 20261120, 20261123, 20261124)]
    out["zhbond10"] = [float(v) for v in h.ZHBOND10(h.DatetimeList(bond_days))]
    out["history_finance"] = {}
    out["finance_fields"] = [[int(i), n] for i, n in sm.get_history_finance_all_fields()[:3]]
    for mc in json.load(open(codes_path)):
        stk = sm[mc]
        if stk.is_null():
            out["kdata"][mc] = None
            continue
        out["history_finance"][mc] = [[str(f[0])[:10], str(f[1])[:10], [None if v != v else float(v) for v in f[2]]]
                                      for f in stk.get_history_finance()]  # (file date, report date, values)
        out["weights"][mc] = [[str(w.datetime)[:10], w.count_as_gift, w.count_for_sell, w.price_for_sell, w.bonus,
                               w.total_count, w.free_count] for w in stk.get_weight()]
        for k in KTYPES:
            kd = stk.get_kdata(h.Query(0, ktype=k))
            out["kdata"][f"{mc}/{k}"] = [[str(r.datetime), r.open, r.high, r.low, r.close, r.amount, r.volume]
                                         for r in kd]
    with open(out_path, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
