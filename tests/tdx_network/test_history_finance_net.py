"""History finance over the TDX network: the real pytdx client downloads ``tdxfin/gpcw.txt`` and the listed
zips from the stand-in's report-file command (0x06B9), checks md5 and size, keeps the downloads, and a second
run downloads nothing; a server that serves a corrupt file is caught by the list's md5."""

from __future__ import annotations

import pytest

from hikyuu_live.data.finance_history import HistoryFinanceImporter
from hikyuu_live.tdx.history_finance import md5
from hikyuu_live.tdx.network.source import NetworkOptions, NetworkSource
from tests.importer.finance_samples import current_layout, zipped
from tests.standins import tdx_wire as w
from tests.tdx_network.conftest import host_of, make_test_store


def serve(server, files: dict[str, bytes], *, lie: dict[str, bytes] | None = None) -> None:
    lines = [f"{name},{md5(data)},{len(data)}" for name, data in sorted(files.items())]
    server.report_files["tdxfin/gpcw.txt"] = ("\r\n".join(lines) + "\r\n").encode()
    for name, data in {**files, **(lie or {})}.items():
        server.report_files[f"tdxfin/{name}"] = data


FILES = {f"gpcw{d}.zip": zipped(f"gpcw{d}.dat", current_layout(file_date=d)) for d in (20111231, 20120331)}


@pytest.mark.parametrize("kind", ["hdf5", "mysql", "clickhouse"])
def test_download_import_and_resume(kind, tmp_path, request, servers):
    a = servers(name="a")
    serve(a, FILES)
    store = make_test_store(kind, tmp_path, request, "hfin")
    source = NetworkSource([host_of(a)], NetworkOptions(use_tdx_number=1, timeout_s=2))
    down = tmp_path / "downloads"
    with store:
        rep = HistoryFinanceImporter(store, download_dir=down, network=source).run()
        assert rep.failed == [] and rep.rows == 12, rep.line()
        assert store.history_finance_files() == {20111231: 6, 20120331: 6}
        assert sorted(p.name for p in down.glob("*.zip")) == sorted(FILES)
        calls = a.stats.by_cmd[w.CMD_REPORT_FILE]
        again = HistoryFinanceImporter(store, download_dir=down, network=source).run()
        assert again.rows == 0 and again.unchanged == 2
        assert a.stats.by_cmd[w.CMD_REPORT_FILE] - calls == 2  # the list only (two chunks: data, then end)
    source.close()


def test_a_corrupt_download_is_not_imported(tmp_path, servers):
    from hikyuu_live.store import make_store

    a = servers(name="a")
    good = FILES["gpcw20120331.zip"]
    serve(a, FILES, lie={"gpcw20120331.zip": good[:-10] + b"\x00" * 10})
    source = NetworkSource([host_of(a)], NetworkOptions(use_tdx_number=1, timeout_s=2, max_attempts=1))
    with make_store("hdf5", directory=tmp_path / "data") as store:
        rep = HistoryFinanceImporter(store, download_dir=tmp_path / "d", network=source).run()
        assert [name for name, _ in rep.failed] == ["gpcw20120331.zip"]
        assert "md5" in rep.failed[0][1]
        assert store.history_finance_files() == {20111231: 6}
    source.close()


def test_network_down_falls_back_to_the_local_install(tmp_path):
    from hikyuu_live.store import make_store
    from hikyuu_live.tdx.network.hosts import TdxHost
    from tests.importer.finance_samples import install
    from tests.services.clickhouse import free_port

    tdx = install(tmp_path / "tdx", {"gpcw20120331.dat": current_layout(file_date=20120331)})
    source = NetworkSource([TdxHost("127.0.0.1", free_port(), "gone")],
                           NetworkOptions(use_tdx_number=1, timeout_s=0.5, probe_timeout_s=0.5))
    with make_store("hdf5", directory=tmp_path / "data") as store:
        rep = HistoryFinanceImporter(store, download_dir=tmp_path / "d", network=source, tdx_dir=tdx).run()
        assert rep.rows == 6 and "network failed" in rep.note
    source.close()
