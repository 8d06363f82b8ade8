"""Reading ini files, and editing them in place without losing what the user wrote by hand.

The original GUI regenerated ``hikyuu.ini`` from a template on every save, so hand-edited keys and
comments were lost. ``update_ini`` changes only the values it is given: existing key lines are
rewritten in place (their comment lines and order kept), missing keys are appended to their section,
missing sections to the end of the file, and every other line stays as it was.
"""

from __future__ import annotations

import configparser
import os
import re
from collections.abc import Mapping
from pathlib import Path

from hikyuu_live.config.values import format_value
from hikyuu_live.errors import ConfigError

_SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*$")
_KEY = re.compile(r"^(\s*)([^=:#;\s][^=:]*?)(\s*[=:]\s*)(.*)$")


def read_ini(path: Path) -> configparser.ConfigParser:
    """Parse ``path`` (UTF-8) with interpolation off and case-preserving keys."""
    cp = configparser.ConfigParser(interpolation=None, strict=False)
    cp.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError("file not found (run `hikyuu_doctor --init` or HikyuuTDX once to create it)",
                          file=str(path)) from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"not UTF-8 text: {e}", file=str(path)) from e
    try:
        cp.read_string(text, source=str(path))
    except configparser.Error as e:
        raise ConfigError(f"not a valid ini file: {e}", file=str(path)) from e
    return cp


def update_ini(path: Path, updates: Mapping[str, Mapping[str, object]]) -> None:
    """Set ``updates[section][key]`` in ``path``, creating the file if needed; see the module docstring."""
    lines = path.read_text(encoding="utf-8-sig").splitlines() if path.exists() else []
    pending = {s: {k: format_value(v) for k, v in kv.items()} for s, kv in updates.items()}
    out: list[str] = []
    section: str | None = None
    last_key_at: dict[str, int] = {}

    def flush(sec: str | None) -> None:
        if sec is None or not pending.get(sec):
            return
        at = last_key_at.get(sec, len(out))
        extra = [f"{k} = {v}" for k, v in pending.pop(sec).items()]
        out[at:at] = extra

    for line in lines:
        m = _SECTION.match(line)
        if m:
            flush(section)
            section = m.group(1).strip()
            out.append(line)
            last_key_at[section] = len(out)
            continue
        km = _KEY.match(line) if section is not None else None
        if km and section in pending and km.group(2).strip() in pending[section]:
            key = km.group(2).strip()
            line = f"{km.group(1)}{km.group(2)}{km.group(3)}{pending[section].pop(key)}"
        out.append(line)
        if km and section is not None and not line.lstrip().startswith(("#", ";")):
            last_key_at[section] = len(out)
    flush(section)
    for sec, kv in pending.items():
        if not kv:
            continue
        if out and out[-1].strip():
            out.append("")
        out.append(f"[{sec}]")
        out.extend(f"{k} = {v}" for k, v in kv.items())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(out) + "\n", encoding="utf-8")
    os.replace(tmp, path)  # a crash mid-write never leaves half a config
