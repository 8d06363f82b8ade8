"""Codec benchmark: a full market (6,000 spots, 5 book levels) encoded and decoded.

Baselines measured in the same run: the straightforward ``flatbuffers.Builder`` encoder (as Hikyuu's
own collector builds a SpotList) and the flatc-generated per-field reader.
Run: ``python -m bench.bench_codec [--spots N] [--runs R]``.
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np

from bench.common import summary_ms, time_runs, verdict
from hikyuu_live.model.codec import BatchMeta, decode_spotlist, encode_spots
from hikyuu_live.model.flat.builder import build_spotlist, read_spotlist
from tests.spot_factory import make_spots


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--spots", type=int, default=6000)
    ap.add_argument("--runs", type=int, default=50)
    args = ap.parse_args()
    spots = make_spots(args.spots, seed=42)
    meta = BatchMeta(1, 1, 0, 1, "bench", 0)

    buf = encode_spots(spots, meta)
    assert (decode_spotlist(buf).spots == spots).all(), "decode(encode(x)) != x"
    base_buf = build_spotlist(spots, meta)
    assert (decode_spotlist(base_buf).spots[::-1] == spots).all(), "decode(builder(x)) != x"

    enc = time_runs(lambda: encode_spots(spots, meta, prefix=b":spot:"), args.runs)
    dec = time_runs(lambda: decode_spotlist(buf), args.runs)
    dec_builder = time_runs(lambda: decode_spotlist(base_buf), max(5, args.runs // 5))
    base_runs = max(3, args.runs // 10)
    base_enc = time_runs(lambda: build_spotlist(spots, meta), base_runs, warmup=1)
    base_dec = time_runs(lambda: read_spotlist(buf), base_runs, warmup=1)

    m = statistics.median
    print(f"codec: {args.spots} spots x 5 levels, message {len(buf) / 1e6:.2f} MB "
          f"(builder's {len(base_buf) / 1e6:.2f} MB)")
    print(f"  encode (ours, vectorised)         {summary_ms(enc)}")
    print(f"  encode (flatbuffers.Builder)      {summary_ms(base_enc)}")
    print(f"  decode to numpy (ours)            {summary_ms(dec)}")
    print(f"  decode builder's buffer (ours)    {summary_ms(dec_builder)}")
    print(f"  decode (flatc reader, per field)  {summary_ms(base_dec)}")
    print("targets:")
    print(verdict("encode full market (median)", m(enc) * 1e3, 15, unit=" ms"))
    print(verdict("decode full market (median)", m(dec) * 1e3, 15, unit=" ms"))
    print(verdict("encode speed-up vs Builder", m(base_enc) / m(enc), 20, lower_is_better=False, unit="x"))
    print(f"  decode speed-up vs flatc reader: {m(base_dec) / m(dec):.1f}x")
    np.testing.assert_array_equal(decode_spotlist(encode_spots(spots, meta)).spots, spots)


if __name__ == "__main__":
    main()
