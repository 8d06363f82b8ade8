"""Typed sections: a frozen dataclass per ini section, parsed, validated and written by one mechanism.

Each field bound to an ini key is declared with ``key(parser, default)``; the parser's ``ValueError``
becomes a ``ConfigError`` naming the key and the value. ``Section.__post_init__`` runs every value
through its parser, so a section built in code (``CollectSection(interval="5")``,
``dataclasses.replace(s, port=70000)``) is checked and typed exactly like one read from a file, and
whatever is saved can be loaded again. ``load_section`` adds the file and section to the error.
Secret fields (passwords) show as ``'***'`` in ``repr`` and in error messages.
"""

from __future__ import annotations

import configparser
import dataclasses
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from hikyuu_live.config.values import format_value
from hikyuu_live.errors import ConfigError

log = logging.getLogger(__name__)

S = TypeVar("S", bound="Section")
MASK = "***"


def key(parse: Callable[[str], Any], default: Any = None, *, name: str | None = None, secret: bool = False,
        factory: Callable[[], Any] | None = None) -> Any:
    """A dataclass field bound to ini key ``name`` (default: the field name), parsed by ``parse``."""
    meta = {"parse": parse, "name": name, "secret": secret}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def ini_name(f: dataclasses.Field[Any]) -> str:
    return f.metadata.get("name") or f.name


def keyed_fields(cls_or_obj: Any) -> list[dataclasses.Field[Any]]:
    return [f for f in dataclasses.fields(cls_or_obj) if f.metadata.get("parse") is not None]


def shown(f: dataclasses.Field[Any], raw: object) -> object:
    return MASK if f.metadata.get("secret") and raw not in (None, "") else raw


class Section:
    """Base of every section dataclass: validation on construction and a password-safe ``repr``.

    Subclasses are ``@dataclass(frozen=True, kw_only=True, slots=True, repr=False)`` (``repr=False``
    keeps this ``__repr__``) and call ``Section.__post_init__(self)`` first if they add checks
    (explicitly: zero-argument ``super()`` does not work in slotted dataclasses on Python 3.11).
    """

    __slots__ = ()

    def __post_init__(self) -> None:
        for f in keyed_fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue  # an optional key that is absent
            raw = value if isinstance(value, str) else format_value(value)
            try:
                parsed = f.metadata["parse"](raw)
            except ValueError as e:
                raise ConfigError(str(e), key=ini_name(f), value=shown(f, raw)) from None
            object.__setattr__(self, f.name, parsed)  # frozen: the one place a value is normalised

    def __repr__(self) -> str:
        parts = [f"{f.name}={shown(f, getattr(self, f.name))!r}" for f in dataclasses.fields(self)  # type: ignore[arg-type]
                 if f.repr]
        return f"{type(self).__name__}({', '.join(parts)})"


def relocate(e: ConfigError, file: str, section: str) -> ConfigError:
    """``e`` with the file and section filled in (section errors are raised without them)."""
    return ConfigError(e.reason, file=e.file or file, section=e.section or section, key=e.key, value=e.value)


def load_section(cls: type[S], cp: configparser.ConfigParser, file: str, section: str, *,
                 required: bool = False, **others: Any) -> S:
    """Build ``cls`` from ``[section]`` of ``cp``; absent keys take the field defaults.

    ``others`` are further constructor arguments (the untyped extra keys of a section).
    """
    if not cp.has_section(section):
        if required:
            raise ConfigError("missing section", file=file, section=section)
        return cls(**others)
    raw = {f.name: cp.get(section, ini_name(f)) for f in keyed_fields(cls) if cp.has_option(section, ini_name(f))}
    try:
        return cls(**raw, **others)
    except ConfigError as e:
        raise relocate(e, file, section) from None


def warn_unknown(cp: configparser.ConfigParser, file: str, section: str, known: Iterable[str]) -> None:
    """Log keys nobody reads: a misspelt key otherwise silently takes its default."""
    if not cp.has_section(section):
        return
    unknown = sorted(set(cp.options(section)) - set(known))
    if unknown:
        log.warning("config %s [%s]: unknown keys %s are kept but ignored", file, section, ", ".join(unknown))


def known_keys(cls: Any) -> set[str]:
    return {ini_name(f) for f in keyed_fields(cls)}


def section_values(obj: Any) -> dict[str, str]:
    """Every keyed field of a section as ini text; absent optional keys (``None``) are left out."""
    return {ini_name(f): format_value(getattr(obj, f.name))
            for f in keyed_fields(obj) if getattr(obj, f.name) is not None}


def text_map(values: Mapping[str, object]) -> dict[str, str]:
    """A copy of an untyped key -> value map (a section's extra keys) with every value as ini text."""
    return {str(k): format_value(v) for k, v in values.items()}


def text(value: str) -> str:
    return value.strip()


def optional_text(value: str) -> str | None:
    return value.strip() or None


def raw_text(value: str) -> str:
    """A value taken as written (a password): inner spaces kept, no stripping.

    An ini file cannot hold leading or trailing spaces (the reader strips them), so such a value is
    refused rather than saved as a different password.
    """
    if value != value.strip():
        raise ValueError("cannot start or end with spaces in an ini file")
    return value
