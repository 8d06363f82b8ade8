"""The shared-work index builder of new HDF5 tables agrees with the general one, period by period."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hikyuu_live.model.kdata import KType, period_end
from hikyuu_live.store.derive import DERIVED, all_index_rows, index_rows

DAYS = st.lists(st.integers(min_value=-25567, max_value=84000), min_size=1, max_size=400, unique=True)  # 1900-2199


@settings(max_examples=200)
@given(DAYS)
def test_all_index_rows_equals_index_rows_of_each_period(days):
    dts = np.sort(np.array(days, dtype="M8[D]")).astype("M8[us]")
    got = all_index_rows(dts, KType.DAY)
    assert set(got) == set(DERIVED[KType.DAY])
    for dk in DERIVED[KType.DAY]:
        want = index_rows(dts, dk)
        assert (got[dk] == want).all(), dk
        # and the labels are the periods' last days, as the live bars label them
        labels = period_end(dts[want["start"].astype(np.int64)].astype("M8[D]"), dk)
        assert [int(str(d).replace("-", "")) * 10000 for d in labels] == got[dk]["datetime"].tolist()
