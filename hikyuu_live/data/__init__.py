"""The importers, as Hikyuu's ``data`` package: history from a TDX install or the TDX network into a store.

``importer.Importer`` drives any ``tdx.BarSource`` into any ``store.KDataStore`` (validation, quarantine,
resumable units, progress); ``netextras.ExtrasImporter`` imports weights, finance, trades, time lines and
blocks (it needs the ``tdx`` extra, so it is not imported here); ``quarantine`` writes rejected bars.
"""

from hikyuu_live.data.importer import Importer, ImportOptions, ImportReport, Progress, UnitReport
from hikyuu_live.data.quarantine import write_quarantine_csv

__all__ = ["ImportOptions", "ImportReport", "Importer", "Progress", "UnitReport", "write_quarantine_csv"]
