"""Entry scripts: every console command of the package starts in this package.

Importing it is the process start of every command, so what must happen before anything else happens
here, once: mysql-connector's C extension is loaded before any module imports pandas (pytdx and
easytrader do), see ``hikyuu_live.store.mysql.connection``. Nothing in the library imports ``gui``.
"""

from hikyuu_live.store.mysql.connection import load_c_extension

load_c_extension()

__all__: list[str] = []
