"""hikyuu_live: the live-deployment half of Hikyuu, as a multi-process toolkit.

The package tree is the architecture (``docs/architecture.md``): ``model`` (pure), ``config``; adapters
``bus``, ``store``, ``tdx``, ``fetcher.stock``, ``strategy.broker``; services ``data`` (importers),
``dataserver``, ``fetcher`` (collectors), ``strategy``, ``doctor``; entry scripts in ``gui``. Importing
this package imports nothing else.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
