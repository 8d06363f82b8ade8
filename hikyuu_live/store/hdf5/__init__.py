"""HDF5 + SQLite, Hikyuu's embedded layout: bar, trade and tick stores (``session.py`` and ``journal.py``: how
files are written, committed and published without copying them; ``files.py`` the chunk writer and the fast
tail reader; ``sqlite.py`` the one SQLite connection factory)."""

from hikyuu_live.store.hdf5.kdata import H5KDataStore
from hikyuu_live.store.hdf5.ticks import H5TickStore
from hikyuu_live.store.hdf5.trades import H5TradeStore

__all__ = ["H5KDataStore", "H5TickStore", "H5TradeStore"]
