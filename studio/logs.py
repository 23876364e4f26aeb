"""The workspace log (``logs/studio.log``): rotating, scrubbed of every known secret, and with
every terminal control sequence written out (a log tailed in a terminal cannot drive it)."""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Callable
from pathlib import Path

from studio.domain.text import visible

NOISY = ("httpx", "httpcore", "aiohttp", "asyncio")  # httpx logs full URLs, which may hold tokens


class RedactingFilter(logging.Filter):
    def __init__(self, redact: Callable[[str], str]) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        return True


class SafeFormatter(logging.Formatter):
    """The whole line (tracebacks included) redacted and passed through the output sanitiser."""

    def __init__(self, fmt: str, redact: Callable[[str], str]) -> None:
        super().__init__(fmt)
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return visible(self.redact(super().format(record)))


def setup_logging(folder: Path, redact: Callable[[str], str], level: int = logging.INFO) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "studio.log"
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=5 << 20, backupCount=3, encoding="utf-8")
    handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", redact))
    handler.addFilter(RedactingFilter(redact))
    root = logging.getLogger("studio")
    root.setLevel(level)
    for old in [h for h in root.handlers if getattr(h, "studio_log", False)]:
        root.removeHandler(old)
        old.close()
    handler.studio_log = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
    return path
