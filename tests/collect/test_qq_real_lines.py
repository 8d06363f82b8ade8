"""Tencent units per board, checked on REAL quote lines captured from qt.gtimg.cn (data, published as test
fixtures by other public projects; where each line came from is written beside it).

The proof of a volume unit is arithmetic on the line itself: the day's amount (field 37, 10,000 yuan; field 35
carries it in yuan) divided by the volume in shares equals the average-price field 51 within a tick, and the
volume (field 6 = field 36) equals fields 7 + 8 (outer + inner volume). Indices have no average-price field:
their amount per share is a market-wide average of a few tens of yuan only if the volume is in lots.

Reproduces: STAR volumes came out 100x too large (688111: 3,506,475 "lots", implied average price 2.30, book
sizes of 2 lots for 2 shares), and index volumes 100x too small (the x0.01 taken from the original).
"""

from __future__ import annotations

import numpy as np
import pytest

from hikyuu_live.fetcher.stock.qq_parse import parse_qq

# --- STAR market (shares) ---
# 688111 金山办公 2026-09-14 16:14:39, inlined in the Tencent-source tests of a public quant project (arad);
# the line the issue quotes (3,506,475 / 80,669 / 230.06)
SH688111 = ('v_sh688111="1~金山办公~688111~228.59~228.82~226.00~3506475~1731576~1774899~228.56~2~228.54~2~228.53~7'
            '~228.52~5~228.51~3~228.59~213~228.60~5~228.69~4~228.70~8~228.72~173~~20260914161439~-0.23~-0.10~232.70'
            '~226.00~228.59/3506475/806688058~3506475~80669~0.76~29.41~~232.70~226.00~2.93~1060.69~1060.69~7.04'
            '~274.58~183.06~0.75~-384~230.06~21.07~57.76~~~1.61~80668.8058~9.1436~400~A RA~GP-A-KCB~-25.25~-4.57'
            '~0.55~23.92~17.27~413.75~198.75~-8.44~-10.51~1.29~464013435~464013435~-91.00~-26.54~464013435~~~-25.08'
            '~-0.07~~CNY~0~___D__F__NY~228.82~-31~100";')
# 688256 寒武纪 2026-06-03 15:50:49, github.com/chengli1986/stock-screener tests/test_update_research_snapshots.py
SH688256 = ('v_sh688256="1~寒武纪~688256~1378.10~1300.00~1292.30~16559805~9275043~7284762~1378.10~143~1378.08~102'
            '~1378.05~13~1378.04~2~1378.02~18~1378.35~2~1378.50~2~1379.88~2~1379.90~12~1379.92~2~~20260603155049'
            '~78.10~6.01~1428.01~1291.00~1378.10/16559805/22683725029~16559805~2268373~2.64~318.68~~1428.01~1291.00'
            '~10.54~8658.51~8658.51~70.75~1560.00~1040.00~1.24~258~1369.81~213.64~420.47~~~2.35~2268372.5029'
            '~56.5021~410~A R~GP-A-KCB~51.65~2.84~0.07~21.11~17.64~1448.01~348.44~1.15~12.61~76.03~628292969'
            '~628292969~86.58~37.72~628292969~~~245.48~-0.07~~CNY~0~___D__F__NY~1378.00~116~100";')
# --- ChiNext (lots) --- 300308 中际旭创 2026-06-03 15:50:45, same stock-screener fixture
SZ300308 = ('v_sz300308="51~中际旭创~300308~1275.00~1191.81~1220.00~345251~187667~157584~1274.99~7~1274.91~1'
            '~1274.83~16~1274.80~1~1274.69~11~1275.00~18~1275.01~1~1275.06~1~1275.10~1~1275.11~1~~20260603155045'
            '~83.19~6.98~1320.00~1220.00~1275.00/345251/43881189297~345251~4388119~3.11~95.09~~1320.00~1220.00~8.39'
            '~14147.60~14215.10~41.05~1430.17~953.45~1.25~14~1270.99~61.97~131.65~~~1.98~4388118.9297~471.7500~37'
            '~ A~GP-A-CYB~109.36~14.72~0.11~42.01~28.64~1320.00~91.09~22.95~48.95~129.32~1109615328~1114910191'
            '~24.14~260.66~1109615328~~~1318.87~-0.19~~CNY~0~~1274.00~18~";')
# --- main board (lots) --- 600000 浦发银行 2026-09-14 16:14:38, the arad fixture above
SH600000 = ('v_sh600000="1~浦发银行~600000~9.40~9.26~9.28~771871~432658~339213~9.39~1145~9.38~2011~9.37~2185'
            '~9.36~1755~9.35~2451~9.40~2425~9.41~17606~9.42~17796~9.43~13629~9.44~10580~~20260914161438~0.14~1.51'
            '~9.43~9.24~9.40/771871/722307374~771871~72231~0.23~6.11~~9.43~9.24~2.05~3130.75~3130.75~0.42~10.19'
            '~8.33~1.27~-52489~9.36~5.06~6.26~~~0.01~72230.7374~54.6140~581~   A~GP-A~-21.80~1.84~4.47~6.14~0.50'
            '~13.27~8.07~2.62~3.98~7.55~33305838300~33305838300~-73.33~-15.47~33305838300~~~-28.68~0.11~~CNY~0'
            '~___D__F__N~9.45~-23202~";')
# 000001 平安银行 2026-09-30 16:15:00 and BJ 920002 万达轴承 2026-09-30 15:34:30: "2026-09-30 真实抓取的腾讯报文",
# the Tencent fallback tests of a public stock-picking project (one reply for SH, SZ and BJ)
SZ000001 = ('v_sz000001="51~平安银行~000001~11.57~11.35~11.36~1045357~673452~371906~11.57~9160~11.56~1219~11.55'
            '~853~11.54~1249~11.53~782~11.58~1617~11.59~523~11.60~7361~11.61~4272~11.62~2196~~20260930161500~0.22'
            '~1.94~11.65~11.33~11.57/1045357/1205814858~1045357~120581~0.54~5.17~~11.65~11.33~2.82~2245.24~2245.26'
            '~0.48~12.49~10.22~1.27~-2706~11.53~4.37~5.27~~~0.18~120581.4858~102.6259~887~   A~GP-A~7.12~0.95~5.26'
            '~7.93~0.72~11.83~9.74~-0.01~-0.87~13.20~19405684991~19405918198~-9.26~6.23~19405684991~~~10.24~-0.17'
            '~~CNY~0~~11.65~-13858~";')
# --- Beijing (lots) ---
BJ920002 = ('v_bj920002="62~万达轴承~920002~51.94~52.32~51.56~19680~9209~10472~51.81~1~51.50~11~51.25~10~51.10~2'
            '~51.06~2~51.94~13~51.95~5~51.96~15~52.00~48~52.02~9~~20260930153430~-0.38~-0.73~55.90~50.33'
            '~51.94/19680/103030092~19680~10303.01~4.41~51.55~~55.90~50.33~10.65~23.16~33.09~4.35~68.01~36.63~1.32'
            '~-64~52.35~46.70~52.79~~~~10303.0092~0.0000~0~ ~GP~-33.71~4.03~0.00~8.45~7.69~88.34~46.93~7.11~-1.80'
            '~-17.80~44597153~63704155~-55.17~-33.47~44597153~~~-30.88~-0.50~~CNY~1~NBFND~0.00~0";')
# --- ETF (lots) --- 510050 上证50ETF华夏 2026-07-23 16:14:35, the Tencent-client tests of a public Rust project
SH510050 = ('v_sh510050="1~上证50ETF华夏~510050~3.084~3.086~3.104~5858331~2212228~3646103~3.084~30395~3.083~53435'
            '~3.082~50356~3.081~21033~3.080~1619~3.085~17569~3.086~14211~3.087~18738~3.088~8069~3.089~20421~'
            '~20260723161435~-0.002~-0.06~3.107~3.074~3.084/5858331/1806609827~5858331~180661~7.84~~~3.107~3.074'
            '~1.07~230.53~230.53~0.00~3.395~2.777~0.43~77830~3.084~";')
# --- indices (lots) --- SH000001 and SZ399001 2026-04-07 13:53:42, one reply in the docstring of a public
# project's Tencent real-time reader (the SH000001 figures the issue quotes)
SH000001 = ('v_sh000001="1~上证指数~000001~3888.43~3880.10~3884.15~377400539~0~0~0.00~0~0.00~0~0.00~0~0.00~0~0.00'
            '~0~0.00~0~0.00~0~0.00~0~0.00~0~0.00~0~~20260407135342~8.33~0.21~3902.61~3875.68'
            '~3888.43/377400539/582363069699~377400539~58236307~0.79~16.93~~3902.61~3875.68~0.69~599052.56'
            '~638951.83~0.00~-1~-1~0.93~0~3890.51~~~~~~58236306.9699~0.0000~0~ ~ZS~-2.03~-0.89~~~~4197.23~3070.08'
            '~1.97~-5.08~-2.03~4798335202075~~9.95~11.18~4798335202075~~~25.57~0.15~~CNY~0~~0.00~0~";')
SZ399001 = ('v_sz399001="51~深证成指~399001~13409.69~13352.90~13392.94~435667695~0~0~0.00~0~0.00~0~0.00~0~0.00~0'
            '~0.00~0~0.00~0~0.00~0~0.00~0~0.00~0~0.00~0~~20260407135342~56.79~0.43~13476.08~13305.51'
            '~13409.69/435667695/711105711900~435667695~71110571~1.80~50.46~~13476.08~13305.51~1.28~374077.75'
            '~435126.35~0.00~-1~-1~0.94~0~13405.42~~~~~~71110571.1900~0.0000~0~ ~ZS~-0.85~-2.31~~~~14536.08~9119.60'
            '~0.48~-4.68~-0.85~2417119461409~~13.74~26.65~2417119461409~~~43.20~0.20~~CNY~0~~0.00~0~";')

STOCKS = {"SH688111": SH688111, "SH688256": SH688256, "SZ300308": SZ300308, "SH600000": SH600000,
          "SZ000001": SZ000001, "BJ920002": BJ920002, "SH510050": SH510050}
INDICES = {"SH000001": SH000001, "SZ399001": SZ399001}
STAR = {"SH688111", "SH688256"}


def fields(line: str) -> list[str]:
    return line.split('"')[1].split("~")


def parse_one(line: str) -> np.void:
    spots, bad = parse_qq(line.encode("gbk"))
    assert bad == {} and len(spots) == 1
    return spots[0]


@pytest.mark.parametrize("key", sorted(STOCKS))
def test_amount_over_volume_is_the_average_price_field(key):
    line = STOCKS[key]
    f = fields(line)
    spot = parse_one(line)
    assert spot["market"] + spot["code"] == key
    shares = spot["volume"] * 100  # volume is in lots for every board after parsing
    avg = spot["amount"] * 10_000 / shares
    tick = 0.001 if key == "SH510050" else 0.01
    assert abs(avg - float(f[51])) <= tick, (avg, f[51])
    # field 35 holds the amount in yuan: the same day total
    assert abs(float(f[35].split("/")[2]) - spot["amount"] * 10_000) <= 10_000
    # field 36 = field 6, and fields 7 + 8 add up to it (within one unit: odd lots)
    assert f[6] == f[36] and abs(int(f[7]) + int(f[8]) - int(f[36])) <= 1
    sent = float(f[36])
    assert spot["volume"] == pytest.approx(sent / 100 if key in STAR else sent)


def test_star_book_sizes_are_shares_and_become_lots():
    spot = parse_one(SH688111)
    f = fields(SH688111)
    assert spot["bid_amount"].tolist() == pytest.approx([int(f[10 + 2 * i]) / 100 for i in range(5)])
    assert spot["ask_amount"].tolist() == pytest.approx([int(f[20 + 2 * i]) / 100 for i in range(5)])
    assert spot["bid_amount"][0] == pytest.approx(0.02) and spot["ask_amount"][0] == pytest.approx(2.13)
    other = parse_one(SH600000)  # main board: book sizes as sent, in lots
    assert other["bid_amount"][0] == 1145 and other["ask_amount"][4] == 10580


@pytest.mark.parametrize("key", sorted(INDICES))
def test_index_volume_is_already_in_lots(key):
    line = INDICES[key]
    f = fields(line)
    spot = parse_one(line)
    assert spot["volume"] == float(f[36])  # as sent: no x0.01
    yuan = float(f[35].split("/")[2])
    per_share = yuan / (spot["volume"] * 100)
    assert 5 < per_share < 50  # a market-wide average share price; in shares it would be 100x that
    assert abs(yuan - spot["amount"] * 10_000) <= 10_000


def test_issue_figures_of_688111():
    spot = parse_one(SH688111)
    assert spot["volume"] == pytest.approx(35_064.75) and spot["amount"] == 80_669
    assert spot["amount"] * 10_000 / (spot["volume"] * 100) == pytest.approx(230.06, abs=0.01)
