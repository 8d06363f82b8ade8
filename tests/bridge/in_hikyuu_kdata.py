"""Runs INSIDE the Hikyuu chroot (``test_hikyuu_live.py``): our Strategy's bars as Hikyuu types next to Hikyuu's
own ``KData`` of the same store.

Usage: ``in_hikyuu_kdata.py HIKYUU_INI CONFIG_HOME OUT_JSON``.
"""

import json
import sys
from datetime import datetime

import hikyuu as hku
import numpy as np

from hikyuu_live.clock import EXCHANGE_TZ, FakeClock
from hikyuu_live.strategy.hikyuu_kdata import from_kdata
from hikyuu_live.strategy.preload import config_preloader
from hikyuu_live.strategy.runtime import Strategy


def records(kdata):
    return [[str(r.datetime), r.open, r.high, r.low, r.close, r.amount, r.volume] for r in kdata]


def main():
    ini, home, out = sys.argv[1:4]
    hku.load_hikyuu(config_file=ini, stock_list=["sh600000", "sz000001", "sh000001"], ktype_list=["day", "min"],
                    load_history_finance=False, start_spot=False)
    clock = FakeClock(datetime(2026, 11, 24, 9, 0, tzinfo=EXCHANGE_TZ))
    stg = Strategy(["sh600000", "sz000001"], ["day", "min"], {"day_max": 300, "min_max": 500}, clock=clock,
                   preloader=config_preloader(home))
    stg.prepare()
    result = {}
    for code in ("SH600000", "SZ000001"):
        for ktype, query in (("DAY", hku.Query.DAY), ("MIN", hku.Query.MIN)):
            ours = stg.get_kdata(code, ktype=ktype, as_hikyuu=True)
            theirs = hku.sm[code].get_kdata(hku.Query(-len(ours), ktype=query))
            result[f"{code}/{ktype}"] = {
                "type": type(ours).__name__, "ours": records(ours), "theirs": records(theirs),
                "ma_ours": list(hku.MA(hku.CLOSE(ours), 5))[-20:],
                "ma_theirs": list(hku.MA(hku.CLOSE(theirs), 5))[-20:],
                "last3": records(stg.get_last_kdata(code, 3, ktype, as_hikyuu=True)),
                "roundtrip": bool(np.array_equal(from_kdata(ours), stg.get_kdata(code, ktype=ktype))),
            }
    with open(out, "w") as f:
        json.dump(result, f)


main()
