"""The workspace log (``logs/studio.log``): rotating, and scrubbed of every known secret."""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Callable
from pathlib import Path

NOISY = ("httpx", "httpcore", "aiohttp", "asyncio")  # httpx logs full URLs, which may hold tokens


class RedactingFilter(logging.Filter):
    def __init__(self, redact: Callable[[str], str]) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        return True


def setup_logging(folder: Path, redact: Callable[[str], str], level: int = logging.INFO) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "studio.log"
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=5 << 20, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
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
