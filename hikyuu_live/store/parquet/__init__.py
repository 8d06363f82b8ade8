"""Parquet tick files (``parquet`` extra, pyarrow) for the data server."""

from hikyuu_live.store.parquet.ticks import ParquetTickStore

__all__ = ["ParquetTickStore"]
