"""Our encoder's buffers pass the C++ FlatBuffers verifier and read back in C++.

Hikyuu's C++ SpotAgent runs ``VerifySpotListBuffer`` on every data message and drops the message
("Invalid data!") when it fails, alignment checks included. This test compiles a small C++ reader
against Debian's FlatBuffers headers with code generated from ``schemas/spot.fbs``, then has it
verify and read buffers written by ``encode_spots``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from hikyuu_live.model.codec import BatchMeta, encode_spots
from hikyuu_live.model.flat.builder import build_spotlist
from tests.spot_factory import make_spots

ROOT = Path(__file__).resolve().parents[2]

READER = r"""
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>
#include "spot_generated.h"
int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::ifstream f(argv[i], std::ios::binary);
    std::vector<uint8_t> buf((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    flatbuffers::Verifier v(buf.data(), buf.size());
    if (!hikyuu::flat::VerifySpotListBuffer(v)) { std::printf("INVALID\n"); continue; }
    auto list = hikyuu::flat::GetSpotList(buf.data());
    auto spots = list->spot();
    double sum = 0; size_t levels = 0;
    for (auto s : *spots) {
      sum += s->close() + s->amount() + s->volume() + s->yesterday_close() + s->open() + s->high() + s->low();
      for (auto x : *s->bid()) sum += x;
      for (auto x : *s->ask_amount()) sum += x;
      levels += s->bid()->size() + s->bid_amount()->size() + s->ask()->size() + s->ask_amount()->size();
    }
    auto s0 = spots->Get(0);
    std::printf("OK %u %s %s %s %s %.6f %zu %llu\n", spots->size(), s0->market()->c_str(), s0->code()->c_str(),
                s0->name()->c_str(), s0->datetime()->c_str(), sum, levels,
                (unsigned long long)list->cycle_id());
  }
  return 0;
}
"""


@pytest.fixture(scope="module")
def cpp_reader(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("cpp")
    subprocess.run(["/usr/bin/flatc", "--cpp", "-o", str(d), str(ROOT / "schemas" / "spot.fbs")], check=True)
    (d / "reader.cpp").write_text(READER)
    exe = d / "reader"
    subprocess.run(["g++", "-O1", "-std=c++17", "-I", str(d), str(d / "reader.cpp"), "-o", str(exe)], check=True)
    return exe


def _expected_sum(spots: np.ndarray) -> float:
    cols = ("close", "amount", "volume", "yesterday_close", "open", "high", "low")
    return float(sum(spots[c].sum() for c in cols) + spots["bid"].sum() + spots["ask_amount"].sum())


def _run(exe: Path, tmp_path: Path, buffers: list[bytes]) -> list[str]:
    files = []
    for i, b in enumerate(buffers):
        p = tmp_path / f"m{i}.bin"
        p.write_bytes(b)
        files.append(str(p))
    out = subprocess.run([str(exe), *files], check=True, capture_output=True, text=True).stdout
    return out.splitlines()


@pytest.mark.parametrize("n", [1, 7, 600])
def test_cpp_verifier_accepts_our_buffers_and_reads_the_values(cpp_reader, tmp_path, n):
    spots = make_spots(n, seed=n)
    spots["datetime"][0] = np.datetime64("2026-11-25T10:00:03.222508")
    spots["name"][0] = "浦发银行"
    (line,) = _run(cpp_reader, tmp_path, [encode_spots(spots, BatchMeta(1, 42, 0, 1, "qq", 5))])
    parts = line.split(" ")
    assert parts[0] == "OK", line
    assert int(parts[1]) == n
    assert parts[2:5] == [spots["market"][0], spots["code"][0], "浦发银行"]
    assert f"{parts[5]} {parts[6]}" == "2026-11-25 10:00:03.222508"
    assert float(parts[7]) == pytest.approx(_expected_sum(spots), rel=1e-9)
    assert int(parts[8]) == 4 * 5 * n
    assert int(parts[9]) == 42


def test_cpp_verifier_accepts_builder_buffers_and_rejects_damaged_ones(cpp_reader, tmp_path):
    spots = make_spots(20)
    good = encode_spots(spots)
    damaged = bytearray(good)
    damaged[28:32] = b"\xff\xff\xff\x7f"  # SpotList.spot (table at 24, field at +4) now points outside
    lines = _run(cpp_reader, tmp_path, [build_spotlist(spots), good[: len(good) // 2], bytes(damaged)])
    assert lines[0].startswith("OK 20 ")
    assert lines[1] == "INVALID"
    assert lines[2] == "INVALID"
