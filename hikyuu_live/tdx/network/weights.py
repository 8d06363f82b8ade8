"""TDX xdxr events -> Hikyuu weight (权息) rows and current finance rows, with Hikyuu's mapping and
scaling, incrementally from the newest stored weight.

Mapping per event date (several events on one date merge into one row):
- ``countAsGift`` = songzhuangu x 10000 (shares given per 10, x 10000; TDX does not tell 送股 from 转增,
  so ``countOfIncreasement`` is always 0), ``countForSell`` = peigu x 10000, ``priceForSell`` = peigujia
  x 1000, ``bonus`` = fenhong x 1000 (yuan per 10 shares, x 1000);
- ``totalCount`` = houzongguben, ``freeCount`` = panhouliutong (10,000 shares, rounded), carried forward
  from the previous row when an event does not state them; ``suogu`` the split ratio of categories 11/12.

Scaled values are rounded, not truncated: TDX sends float32, and the original's ``int(10000 * 0.7)``
turned a 0.7 ratio into 6999.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

WEIGHT_FIELDS = ("countAsGift", "countForSell", "priceForSell", "bonus", "countOfIncreasement", "totalCount",
                 "freeCount", "suogu")


@dataclass(frozen=True, slots=True)
class WeightRow:
    date: int  # YYYYMMDD
    countAsGift: int = 0  # noqa: N815 - Hikyuu's column names
    countForSell: int = 0  # noqa: N815
    priceForSell: int = 0  # noqa: N815
    bonus: int = 0
    countOfIncreasement: int = 0  # noqa: N815
    totalCount: int = 0  # noqa: N815
    freeCount: int = 0  # noqa: N815
    suogu: float = 0.0


def _scaled(value: float | None, scale: int) -> int | None:
    return None if value is None else int(round(float(value) * scale))


def xdxr_to_weights(events: list[dict], last: WeightRow | None = None) -> tuple[list[WeightRow], WeightRow | None]:
    """(new rows after ``last``, the updated ``last`` row or None when it is unchanged).

    Events before the newest stored date are ignored; events on that date update it (TDX adds events to
    a date after the fact, e.g. the share change following a dividend).
    """
    last_date = last.date if last is not None else 0
    total = last.totalCount if last is not None else 0
    free = last.freeCount if last is not None else 0
    rows: dict[int, WeightRow] = {}
    if last is not None:
        rows[last.date] = last
    for ev in sorted(events, key=lambda e: (e["year"], e["month"], e["day"])):
        date = int(ev["year"]) * 10000 + int(ev["month"]) * 100 + int(ev["day"])
        if date < last_date:
            continue
        row = rows.get(date) or WeightRow(date, totalCount=total, freeCount=free)
        changes: dict[str, int | float] = {}
        for key, field, scale in (("songzhuangu", "countAsGift", 10000), ("peigu", "countForSell", 10000),
                                  ("peigujia", "priceForSell", 1000), ("fenhong", "bonus", 1000)):
            v = _scaled(ev.get(key), scale)
            if v is not None:
                changes[field] = v
        if ev.get("houzongguben") is not None:
            total = int(round(float(ev["houzongguben"])))
            changes["totalCount"] = total
        if ev.get("panhouliutong") is not None:
            free = int(round(float(ev["panhouliutong"])))
            changes["freeCount"] = free
        if ev.get("suogu") is not None:
            changes["suogu"] = float(ev["suogu"])
        rows[date] = replace(row, **changes)  # type: ignore[arg-type]
    updated = rows.pop(last_date, None) if last is not None else None
    if updated == last:
        updated = None
    return [rows[d] for d in sorted(rows)], updated


#: current finance (``stkfinance``) columns in the order the original stores them, from pytdx's names
FINANCE_FIELDS = ("updated_date", "ipo_date", "province", "industry", "zongguben", "liutongguben", "guojiagu",
                  "faqirenfarengu", "farengu", "bgu", "hgu", "zhigonggu", "zongzichan", "liudongzichan",
                  "gudingzichan", "wuxingzichan", "gudongrenshu", "liudongfuzhai", "changqifuzhai",
                  "zibengongjijin", "jingzichan", "zhuyingshouru", "zhuyinglirun", "yingshouzhangkuan",
                  "yingyelirun", "touzishouyu", "jingyingxianjinliu", "zongxianjinliu", "cunhuo", "lirunzonghe",
                  "shuihoulirun", "jinglirun", "weifenpeilirun", "meigujingzichan", "baoliu2")


def finance_row(info: dict) -> dict[str, float | int] | None:
    """pytdx ``get_finance_info`` -> a ``stkfinance`` row; None for a stock the server knows nothing of."""
    if not info or not info.get("updated_date"):
        return None
    out: dict[str, float | int] = {}
    for f in FINANCE_FIELDS:
        v = info.get(f, 0)
        out[f] = int(v) if f in ("updated_date", "ipo_date", "province", "industry") else float(v)
    return out
