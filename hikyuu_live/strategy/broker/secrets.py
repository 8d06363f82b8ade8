"""Broker credentials that cannot leak by accident.

A ``Secret`` prints as ``***`` in ``str``, ``repr``, f-strings and log arguments, refuses to be pickled
or JSON-encoded, and gives its value only through ``reveal()``, which is called at exactly one place:
the request that logs in. Values come from an explicit argument (read from the config by the caller) or
from an environment variable; :func:`redact` scrubs them from any text that came back from the remote
side (an error message echoing the login request) before it reaches a log or an exception.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = str(value)

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return MASK

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __format__(self, spec: str) -> str:
        return MASK

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> str | tuple[Any, ...]:
        raise TypeError("a Secret cannot be pickled")


def secret_from(value: str | Secret | None, env_name: str, env: Mapping[str, str] | None = None) -> Secret | None:
    """``value`` when given, else the environment variable ``env_name``; None when neither is set."""
    if isinstance(value, Secret):
        return value if value else None
    if value:
        return Secret(value)
    found = (os.environ if env is None else env).get(env_name, "")
    return Secret(found) if found else None


def redact(text: str, secrets: Iterable[Secret | None]) -> str:
    """``text`` with every secret value replaced by ``***``."""
    for s in secrets:
        if s:
            text = text.replace(s.reveal(), MASK)
    return text
