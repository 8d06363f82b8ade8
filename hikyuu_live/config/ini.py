"""Reading ini files, and editing them in place without losing what the user wrote by hand.

The original GUI regenerated ``hikyuu.ini`` from a template on every save, so hand-edited keys and
comments were lost. ``update_ini`` changes only the values it is given: every line of an existing key
is rewritten in place (a key repeated in a duplicated section is rewritten in each, since the last
one wins when read), missing keys are appended after the last key of their section, missing sections
to the end of the file, and every other line (comments, blank lines, unknown keys and sections) stays
as it was, with the file's line endings. The file is replaced atomically, keeping its permissions and
writing through a symlink, so a crash never leaves half a config. ``edit_ini_text`` is the same edit on
text, so a caller can validate the result before anything is written.

Passwords: a file that holds one (a non-empty ``pwd``, ``password`` or ``comm_password``) is readable by
its owner only. ``update_ini`` creates such a file with mode 0600 and takes the group and other bits off an
existing file when it writes a password into it; ``readable_by_others`` lets the doctor find older ones.
"""

from __future__ import annotations

import configparser
import contextlib
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from hikyuu_live.config.values import format_value
from hikyuu_live.errors import ConfigError

log = logging.getLogger(__name__)

# the same permissive patterns configparser uses, applied to stripped lines
_SECTION = configparser.ConfigParser.SECTCRE
_KEY = re.compile(configparser.ConfigParser._OPT_TMPL.format(delim="=|:"), re.VERBOSE)
_COMMENT = ("#", ";")
#: keys whose non-empty value is a secret (hikyuu.ini / importdata-gui.ini ``pwd``, broker credentials)
SECRET_KEYS = frozenset({"pwd", "password", "comm_password"})
OWNER_ONLY = 0o600


def read_ini(path: Path, text: str | None = None) -> configparser.ConfigParser:
    """Parse ``path`` (UTF-8, BOM tolerated) with interpolation off and case-preserving keys.

    Duplicate sections and keys are allowed (the last value wins), as in Hikyuu's own ini reader.
    ``text``: parse this instead of the file's content (an edit not written yet); errors still name ``path``.
    """
    cp = configparser.ConfigParser(interpolation=None, strict=False)
    cp.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        if text is None:
            text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError("file not found (run `hikyuu_doctor --init` or HikyuuTDX once to create it)",
                          file=str(path)) from None
    except IsADirectoryError:
        raise ConfigError("is a directory, not an ini file", file=str(path)) from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"not UTF-8 text: {e}", file=str(path)) from e
    try:
        cp.read_string(text, source=str(path))
    except configparser.Error as e:
        raise ConfigError(f"not a valid ini file: {e}", file=str(path)) from e
    return cp


def _checked(path: Path, updates: Mapping[str, Mapping[str, object]]) -> dict[str, dict[str, str]]:
    """Updates as text; names or values that would break the file's structure are refused."""
    out: dict[str, dict[str, str]] = {}
    for sec, kv in updates.items():
        if not sec or any(c in sec for c in "[]\r\n"):
            raise ConfigError("invalid section name", file=str(path), section=sec)
        out[sec] = {}
        for k, v in kv.items():
            if not k or k != k.strip() or any(c in k for c in "=:\r\n") or k.startswith((*_COMMENT, "[")):
                raise ConfigError("invalid key name", file=str(path), section=sec, key=k)
            text = format_value(v)
            if "\n" in text or "\r" in text:
                raise ConfigError("a value must be one line", file=str(path), section=sec, key=k)
            out[sec][k] = text
    return out


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _edit(lines: list[str], pending: dict[str, dict[str, str]]) -> list[str]:
    """``lines`` with ``pending`` applied (see the module docstring)."""
    out: list[str] = []
    section: str | None = None
    end_of: dict[str, int] = {}  # section -> index in ``out`` after its last key (last occurrence)
    found: set[tuple[str, str]] = set()
    key_indent: int | None = None  # indent of the key whose value may continue on the next lines
    dropping = False  # skipping the continuation lines of a value that was replaced
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith(_COMMENT):
            out.append(line)
            continue
        if key_indent is not None and _indent(line) > key_indent:  # continuation line of a value
            if not dropping:
                out.append(line)
                if section is not None:
                    end_of[section] = len(out)
            continue
        key_indent, dropping = None, False
        m = _SECTION.match(stripped)
        if m:
            section = m.group("header")
            out.append(line)
            end_of[section] = len(out)
            continue
        body = line.lstrip()
        km = _KEY.match(body) if section is not None else None
        if km is None or section is None:
            out.append(line)
            continue
        name = km.group("option").rstrip()
        key_indent = _indent(line)
        if name in pending.get(section, {}):
            found.add((section, name))
            value = pending[section][name]
            # keep the key and the spacing around its delimiter as the user wrote them
            gap = body[km.end("vi"):km.start("value")]
            if not gap and not km.group("value").strip():
                gap = " "  # "pwd =" had no value to show where it went
            line = (line[:key_indent] + body[:km.end("vi")] + gap + value).rstrip()
            dropping = True
        out.append(line)
        end_of[section] = len(out)
    _add_missing(out, pending, end_of, found)
    return out


def _add_missing(out: list[str], pending: dict[str, dict[str, str]], end_of: dict[str, int],
                 found: set[tuple[str, str]]) -> None:
    """Append the keys not found: after the last key of their section, or in a new section at the end."""
    inserts = []
    for sec, kv in pending.items():
        missing = [f"{k} = {v}" for k, v in kv.items() if (sec, k) not in found]
        if missing and sec in end_of:
            inserts.append((end_of[sec], missing))
    for at, new in sorted(inserts, reverse=True):
        out[at:at] = new
    for sec, kv in pending.items():
        if kv and sec not in end_of:
            if out and out[-1].strip():
                out.append("")
            out.append(f"[{sec}]")
            out.extend(f"{k} = {v}" for k, v in kv.items())


def read_ini_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig") if path.exists() else ""  # keeps "\r\n"
    except UnicodeDecodeError as e:
        raise ConfigError(f"not UTF-8 text: {e}", file=str(path)) from e


def edit_ini_text(text: str, updates: Mapping[str, Mapping[str, object]], path: str | os.PathLike[str] = "") -> str:
    """``text`` (an ini file's content) with ``updates`` applied as ``update_ini`` would write them.

    ``path`` only names the file in errors.
    """
    pending = _checked(Path(path), updates)
    newline = "\r\n" if "\r\n" in text else "\n"
    # split on line ends only (str.splitlines would also split a value at U+2028 and friends)
    lines = text.replace("\r\n", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()
    return newline.join(_edit(lines, pending)) + newline


def update_ini(path: str | os.PathLike[str], updates: Mapping[str, Mapping[str, object]]) -> None:
    """Set ``updates[section][key]`` in ``path`` (created if needed); see the module docstring.

    Values are written by ``format_value``: booleans ``True``/``False``, times ``HH:MM:SS``, dates
    ``YYYY-MM-DD``; pass a string for any other form (``reload_time`` is written ``HH:MM`` that way).
    """
    path = Path(path)
    target = path.resolve() if path.is_symlink() else path
    text = edit_ini_text(read_ini_text(target), updates, path)
    secret = any(k in SECRET_KEYS and format_value(v) for kv in updates.values() for k, v in kv.items())
    write_atomically(target, text, secret=secret)


def write_atomically(target: Path, text: str, *, secret: bool = False) -> None:
    """Replace ``target`` by ``text`` (UTF-8) in one rename, keeping its mode; ``secret``: owner-only."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if target.exists():
            shutil.copymode(target, tmp)  # mkstemp makes it 0600; keep what the user chose
            if secret and os.stat(tmp).st_mode & 0o077:
                os.chmod(tmp, os.stat(tmp).st_mode & 0o700)
                log.warning("%s holds a password now: made readable by its owner only", target)
        elif not secret:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def holds_password(path: Path) -> bool:
    """Whether ``path`` has a non-empty ``pwd``/``password``/``comm_password`` in any section."""
    try:
        cp = read_ini(path)
    except ConfigError:
        return False
    return any(cp.get(s, k).strip() for s in cp.sections() for k in cp.options(s) if k.lower() in SECRET_KEYS)


def readable_by_others(path: Path) -> bool:
    """Whether the group or others may read ``path`` (POSIX mode bits; always False on Windows)."""
    if os.name == "nt":
        return False
    return bool(path.stat().st_mode & 0o044)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def present_keys(path: Path) -> dict[str, set[str]]:
    """The keys each section of ``path`` has (empty when the file is absent or unreadable)."""
    try:
        cp = read_ini(path)
    except ConfigError:
        return {}
    return {s: set(cp.options(s)) for s in cp.sections()}


def save_values(path: Path, new: Mapping[str, Mapping[str, str]], old: Mapping[str, Mapping[str, str]] | None) -> None:
    """Write the values of ``new`` that differ from ``old`` (both canonical ini text of a typed config).

    A value equal to the old one is not written: a hand-written ``day = true`` or a Windows path stays
    as written, and a key absent from the file (meaning its default) stays absent. A changed key is
    rewritten in place or appended; an empty value is never appended (an empty ``tmpdir`` would mean
    something else to Hikyuu than an absent one). ``old = None`` (no file, or one that does not load)
    writes every value.
    """
    present = present_keys(path)
    updates: dict[str, dict[str, str]] = {}
    for sec, kv in new.items():
        for k, v in kv.items():
            if old is not None and old.get(sec, {}).get(k) == v:
                continue
            if v == "" and k not in present.get(sec, ()):
                continue
            updates.setdefault(sec, {})[k] = v
    update_ini(path, updates)
