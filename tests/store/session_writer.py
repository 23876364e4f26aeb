"""A writer process for tests/store/test_sessions.py: ``python session_writer.py FOLDER NAME COUNT``.

Each step, in one transaction: a new topic ``NAME-i`` and ``NAME-i`` appended to the shared topic
``tally``'s tags (read, changed and written back: a read-modify-write). It prints ``ok NAME-i`` once
the step is durable, so what was printed must be in the store exactly once however the process ends.
Every tenth step it also compacts the store.
"""

from __future__ import annotations

import sys

from studio.domain import Topic
from studio.store import Store


def main() -> None:
    folder, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = Store(folder)
    for i in range(count):
        key = f"{name}-{i}"
        with store.atomic():
            store.topics.put(Topic(id=key, text=f"topic {key}"))
            tally = store.topics.get("tally") or Topic(id="tally", text="tally")
            tally.tags.append(key)
            store.topics.put(tally)
        print(f"ok {key}", flush=True)
        if i % 10 == 9:
            store.storage.compact()  # others follow the new snapshot and journal
    store.close()
    print("done", flush=True)


if __name__ == "__main__":
    main()
