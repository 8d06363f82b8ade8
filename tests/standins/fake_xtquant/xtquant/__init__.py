"""A fake ``xtquant`` for tests only (put ``tests/standins/fake_xtquant`` on sys.path / PYTHONPATH)."""
