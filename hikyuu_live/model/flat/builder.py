"""The straightforward encoder: ``flatbuffers.Builder`` field by field, the way Hikyuu's own
``create_fb_spot`` builds a SpotList.

It is about 50x slower than ``hikyuu_live.model.codec.encode_spots`` and exists as an independent
second implementation: tests decode its output (zero fields omitted, vector reversed, no
extension fields: exactly what Hikyuu's own collectors send) and the codec benchmark uses it as its
baseline.
"""

from __future__ import annotations

import flatbuffers
import numpy as np

from hikyuu_live.model.codec import BatchMeta
from hikyuu_live.model.flat import spot_generated as g


def _vector(b: flatbuffers.Builder, start, values: np.ndarray) -> int:
    start(b, len(values))
    for v in reversed(values.tolist()):
        b.PrependFloat64(v)
    return b.EndVector()


def _datetime_text(dt: np.datetime64) -> str:
    text = str(dt.astype("M8[us]")).replace("T", " ")
    return text[:19] if text.endswith(".000000") else text


def build_spotlist(spots: np.ndarray, meta: BatchMeta | None = None) -> bytes:
    """Encode a ``SPOT_DTYPE`` array with the flatc-generated builder API."""
    b = flatbuffers.Builder(0)
    offsets = []
    for row in spots:
        market = b.CreateString(str(row["market"]))
        code = b.CreateString(str(row["code"]))
        name = b.CreateString(str(row["name"]))
        dt = b.CreateString(_datetime_text(row["datetime"]))
        bid = _vector(b, g.SpotStartBidVector, row["bid"])
        bid_amount = _vector(b, g.SpotStartBidAmountVector, row["bid_amount"])
        ask = _vector(b, g.SpotStartAskVector, row["ask"])
        ask_amount = _vector(b, g.SpotStartAskAmountVector, row["ask_amount"])
        g.SpotStart(b)
        g.SpotAddMarket(b, market)
        g.SpotAddCode(b, code)
        g.SpotAddName(b, name)
        g.SpotAddDatetime(b, dt)
        g.SpotAddYesterdayClose(b, float(row["yesterday_close"]))
        g.SpotAddOpen(b, float(row["open"]))
        g.SpotAddHigh(b, float(row["high"]))
        g.SpotAddLow(b, float(row["low"]))
        g.SpotAddClose(b, float(row["close"]))
        g.SpotAddAmount(b, float(row["amount"]))
        g.SpotAddVolume(b, float(row["volume"]))
        g.SpotAddBid(b, bid)
        g.SpotAddBidAmount(b, bid_amount)
        g.SpotAddAsk(b, ask)
        g.SpotAddAskAmount(b, ask_amount)
        offsets.append(g.SpotEnd(b))
    g.SpotListStartSpotVector(b, len(offsets))
    for off in offsets:  # prepended in input order, so the vector comes out reversed, as in Hikyuu
        b.PrependUOffsetTRelative(off)
    vec = b.EndVector()
    source = b.CreateString(meta.source) if meta else 0
    g.SpotListStart(b)
    g.SpotListAddSpot(b, vec)
    if meta is not None:
        g.SpotListAddSchemaVersion(b, meta.schema_version)
        g.SpotListAddSessionId(b, meta.session_id)
        g.SpotListAddCycleId(b, meta.cycle_id)
        g.SpotListAddSeq(b, meta.seq)
        g.SpotListAddMsgCount(b, meta.msg_count)
        g.SpotListAddSource(b, source)
        g.SpotListAddSendTimeUs(b, meta.send_time_us)
    b.Finish(g.SpotListEnd(b))
    return bytes(b.Output())


def _text(value: str | bytes | None) -> str:
    """flatc's string accessors give bytes (or None for an absent field)."""
    return value.decode() if isinstance(value, bytes) else (value or "")


def read_spotlist(buf: bytes) -> list[dict]:
    """Read every field back through the flatc-generated reader (for cross-checks)."""
    sl = g.SpotList.GetRootAs(buf, 0)
    out = []
    for i in range(sl.SpotLength()):
        s = sl.Spot(i)
        if s is None:
            raise ValueError(f"spot {i} of {sl.SpotLength()} is absent")
        out.append({
            "market": _text(s.Market()), "code": _text(s.Code()),
            "name": _text(s.Name()), "datetime": _text(s.Datetime()),
            "yesterday_close": s.YesterdayClose(), "open": s.Open(), "high": s.High(), "low": s.Low(),
            "close": s.Close(), "amount": s.Amount(), "volume": s.Volume(),
            "bid": [s.Bid(k) for k in range(s.BidLength())],
            "bid_amount": [s.BidAmount(k) for k in range(s.BidAmountLength())],
            "ask": [s.Ask(k) for k in range(s.AskLength())],
            "ask_amount": [s.AskAmount(k) for k in range(s.AskAmountLength())],
        })
    return out
