"""The config Hikyuu's own ``Strategy`` gets: our ``hikyuu.ini`` with the strategy's bar types preloaded (Hikyuu's
SpotAgent builds live bars only of preloaded types: with ``min = False``, as our defaults write it, Hikyuu's
Strategy never saw a minute bar of the replayed day and its system never decided anything) and the collector's
address (its ``Strategy`` has no ``quotation_server`` setter in Python). Rewritten in place at every start: no
temporary copies left behind."""

from __future__ import annotations

from pathlib import Path

from hikyuu_live.bridge.hikyuu_runtime import hikyuu_ini
from hikyuu_live.config import generate_default_config, load_hikyuu_ini


def test_the_ini_hikyuu_reads_preloads_the_bar_types_and_names_the_bus(tmp_path):
    generate_default_config(tmp_path / "home", tmp_path / "stock")
    before = load_hikyuu_ini(tmp_path / "home" / "hikyuu.ini")
    assert not before.preload.flags["min"]
    first = hikyuu_ini(tmp_path / "home", "ipc:///tmp/x.ipc", ["day", "min"], "demo 2")
    again = hikyuu_ini(tmp_path / "home", None, ["min5"], "demo 2")
    assert first == again == str(tmp_path / "home" / "run" / "demo_2.hikyuu.ini")
    cfg = load_hikyuu_ini(Path(again))
    assert cfg.preload.flags["min5"] and not cfg.preload.flags["min"]  # rewritten from the home's at every start
    assert cfg.hikyuu.quotation_server == before.hikyuu.quotation_server
    first_cfg_text = (tmp_path / "home" / "hikyuu.ini").read_text()
    assert "x.ipc" not in first_cfg_text  # the user's own file is never changed
    hikyuu_ini(tmp_path / "home", "ipc:///tmp/x.ipc", ["day", "min"], "demo 2")
    cfg = load_hikyuu_ini(Path(first))
    assert cfg.preload.flags["min"] and cfg.preload.flags["day"] and cfg.hikyuu.quotation_server == "ipc:///tmp/x.ipc"
