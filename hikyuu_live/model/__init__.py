"""The pure model: spots and their wire codec, bars (K-data) and live bars, the trading calendar, codes,
Hikyuu's date numbers, tick records, validation and the lifecycle ``State``.

No sockets, files, databases, threads or GUI (a layer contract keeps it so). ``model.flat`` holds the
flatc-generated reader of ``schemas/spot.fbs``: the schema's reference, used by tests and benchmarks
only (it needs the ``flatbuffers`` package of the ``dev`` extra).
"""

from hikyuu_live.model.bars import BarStats, LiveBars
from hikyuu_live.model.calendar import TradingCalendar
from hikyuu_live.model.codec import BatchMeta, DecodedBatch, decode_spotlist, encode_spots
from hikyuu_live.model.codes import CodeInfo, StockType, shipped_codes
from hikyuu_live.model.kdata import KDATA_DTYPE, KType, empty_kdata, parse_ktype
from hikyuu_live.model.spot import BOOK_LEVELS, SPOT_DTYPE, Spot, array_to_spots, empty_spots, spots_to_array
from hikyuu_live.model.state import State
from hikyuu_live.model.validate import Quarantine, check_bars, split_valid

__all__ = [
    "BOOK_LEVELS",
    "KDATA_DTYPE",
    "SPOT_DTYPE",
    "BarStats",
    "BatchMeta",
    "CodeInfo",
    "DecodedBatch",
    "KType",
    "LiveBars",
    "Quarantine",
    "Spot",
    "State",
    "StockType",
    "TradingCalendar",
    "array_to_spots",
    "check_bars",
    "decode_spotlist",
    "empty_kdata",
    "empty_spots",
    "encode_spots",
    "parse_ktype",
    "shipped_codes",
    "split_valid",
    "spots_to_array",
]
