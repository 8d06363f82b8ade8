"""Chinese by default, English available: every user-facing string goes through ``tr`` and is translated."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from PyQt5.QtWidgets import QAbstractButton, QGroupBox, QLabel

from hikyuu_live.gui.i18n import TS_DIR, choose_language, install_translators, read_ts

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from update_translations import CONTEXT, source_strings  # noqa: E402

# Qt calls that put text on the screen; a literal passed straight to one bypasses the translation
TEXT_CALLS = {"setText", "setToolTip", "setWindowTitle", "setPlaceholderText", "addTab", "setTitle",
              "setHorizontalHeaderLabels", "addItem", "QLabel", "QPushButton", "QCheckBox", "QRadioButton",
              "QGroupBox", "check", "line", "spin", "button", "date_edit", "time_edit", "ElidedLabel", "log_view",
              "command_label", "table", "warning", "question"}
ALLOWED = {"HikyuuTDX", "MySQL / MariaDB", "ClickHouse", "QMT (xtquant)", "paper", "easytrader", "-", "", "w"}


def data_like(text: str) -> bool:
    """A value, not a sentence: codes, bar types, addresses (``sh600000,sz000001``, ``day,min``)."""
    return " " not in text and (any(ch.isdigit() for ch in text) or "," in text or "://" in text)


def literals_outside_tr(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        receiver = getattr(node.func, "value", None)
        if name not in TEXT_CALLS or (isinstance(receiver, ast.Name) and receiver.id == "log") or not node.args:
            continue
        arg = node.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value not in ALLOWED \
                and any(ch.isalpha() for ch in arg.value) and not data_like(arg.value):
            found.append(f"{path.name}:{node.lineno}: {arg.value!r}")
    return found


def test_no_user_facing_literal_bypasses_tr():
    files = [*(ROOT / "hikyuu_live" / "gui" / "widgets").glob("*.py"), ROOT / "hikyuu_live" / "gui" / "HikyuuTDX.py"]
    bad = [hit for f in files for hit in literals_outside_tr(f)]
    assert not bad, bad


def test_every_string_has_a_chinese_translation():
    table = read_ts(TS_DIR / "zh_CN.ts")
    missing = [s for s in source_strings() if (CONTEXT, s) not in table]
    assert not missing, missing
    for (_, source), text in table.items():  # placeholders survive the translation
        assert source.count("{") == text.count("{"), (source, text)


def test_the_language_is_chinese_unless_english_is_asked_for(monkeypatch):
    monkeypatch.delenv("HIKYUU_LANG", raising=False)
    assert choose_language() == "zh_CN" and choose_language("en") == "en"
    monkeypatch.setenv("HIKYUU_LANG", "en")
    assert choose_language() == "en" and choose_language("zh") == "zh_CN"


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_the_window_speaks_the_chosen_language(qapp, open_window, home, language):
    installed = install_translators(qapp, language)
    try:
        win = open_window(home)
        titles = [win.tabs.tabText(i) for i in range(win.tabs.count())]
        texts = [w.text() for cls in (QLabel, QAbstractButton) for w in win.findChildren(cls) if w.text()]
        texts += [g.title() for g in win.findChildren(QGroupBox) if g.title()]
        if language == "en":
            assert titles[0] == "Import settings"
            assert all(t.replace("…", "").isascii() for t in texts), [t for t in texts if not t.isascii()]
        else:
            assert titles == ["导入设置", "存储设置", "执行导入", "预加载设置", "行情采集", "行情监控", "策略",
                              "数据服务"]
            english = [t for t in texts if t.isascii() and any(w.islower() and len(w) > 3 for w in t.split())
                       and not t.startswith(("ipc://", "tcp://", "/"))]
            assert not english, english
    finally:
        for t in installed:
            qapp.removeTranslator(t)
