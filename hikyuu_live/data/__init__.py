"""The importers, as Hikyuu's ``data`` package: history from a TDX install or the TDX network into a store.

``importer.Importer`` drives any ``tdx.BarSource`` into any ``store.KDataStore`` (validation, quarantine,
resumable units, progress) and imports names, listings and delistings first (``names``);
``netextras.ExtrasImporter`` imports weights, finance, history finance (``finance_history``), boards
(``boards``, ``em_blocks``), trades, time lines, the bond yield and holidays (``webdata``) (it needs the
``tdx`` extra, so it is not imported here); ``kinds.KindReport`` reports each kind; ``quarantine`` writes
refused bars and rows.
"""

from hikyuu_live.data.importer import Importer, ImportOptions, ImportReport, Progress, UnitReport
from hikyuu_live.data.quarantine import write_quarantine_csv

__all__ = ["ImportOptions", "ImportReport", "Importer", "Progress", "UnitReport", "write_quarantine_csv"]
