"""Bring HikyuuTDX's translation files up to date with the source: every ``tr("...")`` literal under
``hikyuu_live/gui`` becomes a message of ``hikyuu_live/gui/translations/<lang>.ts`` (Qt Linguist's format).

Existing translations are kept; new strings are added as ``unfinished`` (shown in English until
translated); strings no longer in the source are marked ``obsolete``. Translate with Qt Linguist or
any editor, then run this again to check: it prints what is still untranslated and exits 1 if anything is.

    python scripts/update_translations.py [--lang zh_CN]
"""

from __future__ import annotations

import argparse
import ast
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUI = ROOT / "hikyuu_live" / "gui"
CONTEXT = "HikyuuTDX"


def source_strings(folder: Path = GUI) -> list[str]:
    """Every string literal passed to ``tr(...)`` under ``folder``, in first-seen order."""
    seen: dict[str, None] = {}
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "tr"
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                seen.setdefault(node.args[0].value, None)
    return list(seen)


def update(ts: Path, strings: list[str]) -> list[str]:
    """Rewrite ``ts`` for ``strings``; the ones without a translation."""
    old: dict[str, str] = {}
    if ts.exists():
        for msg in ET.parse(ts).getroot().iter("message"):
            tr_el = msg.find("translation")
            if tr_el is not None and tr_el.text and tr_el.get("type") not in ("unfinished", "obsolete", "vanished"):
                old[msg.findtext("source") or ""] = tr_el.text
    root = ET.Element("TS", version="2.1", language=ts.stem)
    ctx = ET.SubElement(root, "context")
    ET.SubElement(ctx, "name").text = CONTEXT
    missing = []
    for s in strings:
        msg = ET.SubElement(ctx, "message")
        ET.SubElement(msg, "source").text = s
        t = ET.SubElement(msg, "translation")
        if s in old:
            t.text = old[s]
        else:
            t.set("type", "unfinished")
            missing.append(s)
    for s, text in old.items():
        if s not in strings:
            msg = ET.SubElement(ctx, "message")
            ET.SubElement(msg, "source").text = s
            ET.SubElement(msg, "translation", type="vanished").text = text
    ET.indent(root)
    ts.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n'
                  + ET.tostring(root, encoding="unicode") + "\n", encoding="utf-8")
    return missing


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lang", default="zh_CN")
    args = ap.parse_args(argv)
    missing = update(GUI / "translations" / f"{args.lang}.ts", source_strings())
    for s in missing:
        print(f"untranslated: {s!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
