"""Typed sections: a frozen dataclass per ini section, loaded and written by one generic mechanism.

Each field carries its ini key and parser in ``metadata`` (see ``key``); the field default is the
documented default. ``load_section`` turns every parse failure into a ``ConfigError`` that names the
file, section, key and value; ``section_values`` renders a section back to ini text.
"""

from __future__ import annotations

import configparser
import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from hikyuu_live.config.values import format_value
from hikyuu_live.errors import ConfigError

T = TypeVar("T")


def key(parse: Callable[[str], Any], default: Any, *, name: str | None = None, secret: bool = False) -> Any:
    """A dataclass field bound to ini key ``name`` (the field name by default)."""
    return dataclasses.field(default=default, metadata={"parse": parse, "name": name, "secret": secret},
                             repr=not secret)


def ini_name(f: dataclasses.Field) -> str:
    return f.metadata.get("name") or f.name


def load_section(cls: type[T], cp: configparser.ConfigParser, file: str, section: str,
                 *, required: bool = False) -> T:
    if not cp.has_section(section):
        if required:
            raise ConfigError("missing section", file=file, section=section)
        return cls()
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        parse = f.metadata.get("parse")
        if parse is None:
            continue
        name = ini_name(f)
        if not cp.has_option(section, name):
            continue
        raw = cp.get(section, name)
        try:
            values[f.name] = parse(raw)
        except ValueError as e:
            shown = "***" if f.metadata.get("secret") else raw
            raise ConfigError(str(e), file=file, section=section, key=name, value=shown) from None
    return cls(**values)


def section_values(obj: Any) -> dict[str, str]:
    """Every keyed field of a section as ini text."""
    return {ini_name(f): format_value(getattr(obj, f.name))
            for f in dataclasses.fields(obj) if f.metadata.get("parse") is not None}


def text(value: str) -> str:
    return value.strip()


def optional_text(value: str) -> str | None:
    return value.strip() or None
