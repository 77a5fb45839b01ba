"""Where the current change comes from (web, api, import, job), for the audit trail."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

_channel: ContextVar[str] = ContextVar("vinculo_channel", default="system")


def current_channel() -> str:
    return _channel.get()


@contextlib.contextmanager
def channel(name: str) -> Iterator[None]:
    token = _channel.set(name)
    try:
        yield
    finally:
        _channel.reset(token)
