"""A store writer for crash tests: prints the id of each dialogue once it is durable."""

from __future__ import annotations

import random
import sys
from pathlib import Path

from studio.store import Store
from tests.store.helpers import make_dialogue


def main() -> None:
    folder, seed = Path(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    store = Store(folder, flush_interval=0.01, batch_size=8)
    store.storage.compact_min_bytes = 40_000  # fold often, so kills land inside snapshot writes too
    known = [doc_id for doc_id, _ in store.dialogues.raw()]
    print("ready", flush=True)
    while True:
        d = make_dialogue(rng)
        store.dialogues.put(d)
        if known and rng.random() < 0.5:  # an edit to an older dialogue, left to group commit
            old = store.dialogues.get(rng.choice(known))
            old.error = f"edited {rng.random()}"
            store.dialogues.put(old)
        store.flush()  # the durable point after each completed dialogue
        known.append(d.id)
        print(d.id, flush=True)


if __name__ == "__main__":
    main()
