"""The store fixtures of ``tests/store`` (one per backend) for the importer's tests too."""

from tests.store.conftest import store, store_factory  # noqa: F401 - fixtures re-exported for this folder
