"""easytrader's answers (rows with the broker client's Chinese column titles) as hikyuu_live values.

easytrader returns whatever grid the desktop client shows, so column titles differ between brokers and
client versions (``股票余额`` vs ``当前持仓``, ``操作`` vs ``买卖标志``). Each field is looked up under
every title seen in easytrader's configs and users' reports; a row without a code is skipped and counted
by the caller. Markets come from ``市场类别``/``交易市场`` when present (上海/深圳/北京) and otherwise
from the code's prefix. Unlike Hikyuu's ``EasyTraderOrderBroker``, Beijing and code-derived markets are
kept, and nothing is unpacked by position (its 3-tuple/2-name unpack raised ValueError).

The Chinese titles are easytrader's wire keys, so they live here rather than in ``gui/``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hikyuu_live.errors import BrokerError
from hikyuu_live.strategy.broker.base import Position
from hikyuu_live.strategy.orders import Side

CASH_KEYS = ("可用金额", "可用资金", "可用余额")
CODE_KEYS = ("证券代码", "股票代码", "代码")
NAME_KEYS = ("证券名称", "股票名称", "名称")
MARKET_KEYS = ("市场类别", "交易市场", "市场", "股东代码类别")
HOLD_KEYS = ("股票余额", "当前持仓", "实际数量", "证券数量", "持仓数量", "参考持股", "股份余额")
SELLABLE_KEYS = ("可用余额", "可卖数量", "可用数量", "可用股份")
COST_KEYS = ("成本价", "参考成本价", "买入成本", "摊薄成本价", "成本价格")
SIDE_KEYS = ("操作", "买卖标志", "委托类别", "买卖方向", "委托方向")
ENTRUST_ID_KEYS = ("合同编号", "委托编号", "委托序号", "entrust_no")
ENTRUST_QTY_KEYS = ("委托数量",)
ENTRUST_PRICE_KEYS = ("委托价格",)
FILLED_QTY_KEYS = ("成交数量",)
FILLED_PRICE_KEYS = ("成交均价", "成交价格")
STATUS_KEYS = ("备注", "委托状态", "状态说明", "状态")
TIME_KEYS = ("委托时间", "成交时间", "时间")
TRADE_ID_KEYS = ("成交编号",)
AMOUNT_KEYS = ("成交金额",)


def _get(row: Mapping[str, Any], keys: Iterable[str], default: Any = None) -> Any:
    for k in keys:
        v = row.get(k)
        if v is not None and v != "":
            return v
    return default


def _num(value: Any) -> float:
    if value is None or value == "":
        return 0.0
    try:
        return float(str(value).replace(",", "").strip())
    except ValueError:
        return 0.0


def _code(row: Mapping[str, Any]) -> str:
    raw = str(_get(row, CODE_KEYS, "")).strip()
    digits = "".join(ch for ch in raw if ch.isdigit())
    return digits[-6:].zfill(6) if digits else ""  # the client's grid may drop leading zeros


def seconds_of_day(value: Any) -> int | None:
    """``09:31:05``, ``093105``, ``2025-03-03 09:31:05`` or ``93105`` as seconds after midnight; None
    when the cell holds no time (the grid shows it in the exchange's zone, as our clock does)."""
    text = str(value or "").strip()
    if " " in text:
        text = text.rsplit(" ", 1)[1]
    digits = text.replace(":", "")
    if not digits.isdigit() or len(digits) not in (5, 6) or (":" in text and len(text.split(":")) != 3):
        return None
    digits = digits.zfill(6)
    h, m, sec = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    return h * 3600 + m * 60 + sec if h < 24 and m < 60 and sec < 60 else None


def market_of(code: str, label: str = "") -> str:
    """``SH``/``SZ``/``BJ`` from the client's market column, else from the code's prefix."""
    if "上海" in label or "沪" in label:
        return "SH"
    if "深圳" in label or "深" in label:
        return "SZ"
    if "北京" in label or "北" in label:
        return "BJ"
    if code.startswith(("43", "83", "87", "88", "92")):
        return "BJ"
    if code.startswith(("5", "6", "9", "11")):
        return "SH"
    return "SZ"


def side_of(text: Any) -> str:
    t = str(text or "")
    if "买" in t:
        return Side.BUY
    if "卖" in t:
        return Side.SELL
    return ""


def cash_of(balance: Any) -> float:
    """Available cash (``可用金额``) of a balance answer (a dict, or a list with one dict)."""
    row = balance[0] if isinstance(balance, list) and balance else balance
    if not isinstance(row, Mapping):
        raise BrokerError(f"easytrader balance is not a table row: {type(balance).__name__}")
    value = _get(row, CASH_KEYS)
    if value is None:
        raise BrokerError(f"easytrader balance has no available-cash column; columns: {sorted(row)}")
    return _num(value)


def positions_of(rows: Any) -> list[Position]:
    """Position rows as ``Position`` (``number`` = shares held, ``sellable`` = the client's 可用余额)."""
    out = []
    for row in rows or ():
        if not isinstance(row, Mapping):
            continue
        code = _code(row)
        if not code:
            continue
        sellable = int(_num(_get(row, SELLABLE_KEYS)))
        number = int(_num(_get(row, HOLD_KEYS, sellable)))
        out.append(Position(market_of(code, str(_get(row, MARKET_KEYS, ""))), code, max(number, sellable), sellable,
                            _num(_get(row, COST_KEYS)), name=str(_get(row, NAME_KEYS, ""))))
    return out


@dataclass(frozen=True, slots=True)
class Entrust:
    """One row of ``today_entrusts``."""

    key: str  # the contract number, or a fingerprint of the stable columns when the client shows none
    market: str
    code: str
    side: str
    price: float
    number: int
    filled: int
    filled_price: float
    status_text: str
    time_s: int | None = None  # 委托时间 as seconds after midnight, when the grid shows it

    @property
    def fingerprinted(self) -> bool:
        """True when the grid showed no contract number and ``key`` is a fingerprint."""
        return "|" in self.key

    @property
    def dead(self) -> bool:
        """Refused by the exchange or cancelled (废单/已撤)."""
        return any(w in self.status_text for w in ("废", "撤", "拒"))


def _normal_id(value: Any) -> str:
    text = str(value or "").strip()
    return text.lstrip("0") or text


def entrust_of(row: Mapping[str, Any]) -> Entrust | None:
    code = _code(row)
    if not code:
        return None
    side, price, number = side_of(_get(row, SIDE_KEYS)), _num(_get(row, ENTRUST_PRICE_KEYS)), int(
        _num(_get(row, ENTRUST_QTY_KEYS)))
    ident = _normal_id(_get(row, ENTRUST_ID_KEYS))
    key = ident or f"{_get(row, TIME_KEYS, '')}|{code}|{side}|{number}|{price:.3f}"
    return Entrust(key, market_of(code, str(_get(row, MARKET_KEYS, ""))), code, side, price, number,
                   int(_num(_get(row, FILLED_QTY_KEYS))), _num(_get(row, FILLED_PRICE_KEYS)),
                   str(_get(row, STATUS_KEYS, "")), seconds_of_day(_get(row, TIME_KEYS)))


def entrusts_of(rows: Any) -> list[Entrust]:
    return [e for e in (entrust_of(r) for r in rows or () if isinstance(r, Mapping)) if e is not None]


def entrust_no_of(answer: Any) -> str:
    """The contract number in a buy/sell answer (``{"entrust_no": ...}``), or ""."""
    if isinstance(answer, Mapping):
        return _normal_id(_get(answer, ENTRUST_ID_KEYS, ""))
    return ""


@dataclass(frozen=True, slots=True)
class Trade:
    """One row of ``today_trades``."""

    entrust_key: str
    trade_id: str
    market: str
    code: str
    side: str
    price: float
    number: int
    amount: float
    time: str

    @property
    def key(self) -> str:
        """The trade number, or a fingerprint of the row when the client shows none."""
        return self.trade_id or f"{self.time}|{self.code}|{self.side}|{self.number}|{self.price:.3f}|" \
                                f"{self.entrust_key}"

    @property
    def time_s(self) -> int | None:
        return seconds_of_day(self.time)


def trades_of(rows: Any) -> list[Trade]:
    out = []
    for row in rows or ():
        if not isinstance(row, Mapping) or not (code := _code(row)):
            continue
        price, number = _num(_get(row, FILLED_PRICE_KEYS)), int(_num(_get(row, FILLED_QTY_KEYS)))
        out.append(Trade(_normal_id(_get(row, ENTRUST_ID_KEYS)), str(_get(row, TRADE_ID_KEYS, "")),
                         market_of(code, str(_get(row, MARKET_KEYS, ""))), code, side_of(_get(row, SIDE_KEYS)),
                         price, number, _num(_get(row, AMOUNT_KEYS)) or round(price * number, 2),
                         str(_get(row, TIME_KEYS, ""))))
    return out
