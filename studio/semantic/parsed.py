"""Tables parsed from shipped files, kept parsed in the user cache so a process reads them in a tenth
of the time it takes to parse them (the CC-CEDICT gloss table of :mod:`.lexicon`: 1 s to parse,
0.1 s to read back).

A kept table is used only while it was made from the same source files by the same code (the bytes
of the files and of the module that parses them): any change to either parses again. A
cache that cannot be read or written is passed over; the table is then parsed as before.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

from studio.wheels import cache_dir

T = TypeVar("T")

#: Bumped when the way a table is kept changes.
FORMAT = 1


def _stamp(sources: Sequence[Path]) -> str:
    digest = hashlib.sha256(f"{FORMAT}".encode())
    for path in sources:
        digest.update(hashlib.sha256(path.read_bytes()).digest())  # a 9 MB dictionary in about 20 ms
    return digest.hexdigest()[:24]


def cached(name: str, sources: Sequence[Path], parse: Callable[[], T]) -> T:
    """``parse()``, or what it returned before for the same ``sources`` (a value ``marshal`` can keep:
    dicts, tuples, strings, numbers). ``sources`` are the files read and the module that reads them."""
    try:
        path = cache_dir() / "parsed" / f"{name}-{_stamp(sources)}.marshal"
    except OSError:
        return parse()
    try:
        return cast(T, marshal.loads(path.read_bytes()))
    except (OSError, EOFError, ValueError, TypeError):
        pass
    value = parse()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob(f"{name}-*.marshal"):  # made from older sources or code
            old.unlink(missing_ok=True)
        data = marshal.dumps(cast(Any, value))
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{name}-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
            raise
    except (OSError, ValueError):
        pass  # a value marshal cannot keep, or a cache that cannot be written: parsed again next time
    return value
