"""Benchmarks (``python -m bench.<name>``); each prints figures and ratios against a same-run baseline.

Importing this package is each benchmark's process start: mysql-connector's C extension is loaded here,
before any benchmark imports pandas (see ``hikyuu_live.store.mysql.connection``)."""

from hikyuu_live.store.mysql.connection import load_c_extension

load_c_extension()
