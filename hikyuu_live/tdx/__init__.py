"""TDX adapters: a local install's ``vipdoc`` files and block files, and (``tdx.network``, ``tdx`` extra)
the TDX network protocol. ``BarSource`` is the family's interface the importers drive."""

from hikyuu_live.tdx.base import BarSource, ImportJob, SourceResult
from hikyuu_live.tdx.blocks import Blocks, read_blocks
from hikyuu_live.tdx.files import LocalTdxSource, find_vipdoc

__all__ = ["BarSource", "Blocks", "ImportJob", "LocalTdxSource", "SourceResult", "find_vipdoc", "read_blocks"]
