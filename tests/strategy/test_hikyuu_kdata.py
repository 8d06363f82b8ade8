"""The Hikyuu converters' contract that holds without Hikyuu: one ktype per stand-alone stock.

Hikyuu 2.8.3 lets a stand-alone ``Stock`` take bars once (a second ``set_krecord_list`` raises "The stock is
Null, can't set kdata!", seen in the test chroot); the documented call once showed two ktypes, which failed
inside Hikyuu with that message. It is refused here before Hikyuu is touched, with the way out."""

from __future__ import annotations

import numpy as np
import pytest

from hikyuu_live.model.kdata import KDATA_DTYPE
from hikyuu_live.strategy.hikyuu_kdata import hikyuu_stock


@pytest.mark.parametrize("bars", [{"MIN": np.zeros(1, KDATA_DTYPE), "DAY": np.zeros(1, KDATA_DTYPE)}, {}])
def test_a_stand_alone_stock_takes_exactly_one_ktype(bars):
    with pytest.raises(ValueError, match="exactly one ktype") as e:
        hikyuu_stock("sh600000", bars)
    assert "one Stock per ktype" in str(e.value)
