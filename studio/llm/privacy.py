"""No personal data in a request that leaves the machine: the last check before a provider call.

Text from imported transcripts was redacted on import unless kept (``studio import --keep-pii``);
whatever a detector of :mod:`studio.domain.pii` still finds in a request's system line or messages
is replaced with its placeholder here and counted, for a provider whose kind ``sends_text_out``."""

from __future__ import annotations

import dataclasses
import logging

from studio.domain.pii import Tally, redact_value
from studio.llm.base import ChatRequest

log = logging.getLogger("studio.llm")


def redacted(request: ChatRequest, tally: Tally, provider: str) -> ChatRequest:
    """``request`` with personal data replaced (the same object when there was none)."""
    found = Tally()
    system = redact_value(request.system, found) if request.system is not None else None
    messages = [dataclasses.replace(m, content=redact_value(m.content, found)) for m in request.messages]
    if not found:
        return request
    tally.by_kind.update(found.by_kind)
    log.warning("personal data replaced in a request to %s: %s", provider,
                ", ".join(f"{n} {kind}" for kind, n in sorted(found.by_kind.items())))
    return dataclasses.replace(request, system=system, messages=messages)
