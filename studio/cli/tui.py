"""Open the full-screen studio."""

from __future__ import annotations

import argparse

from studio.llm.registry import check_profile
from studio.workspace import open_workspace, resolve_path


def run_tui(args: argparse.Namespace) -> int:
    from studio.ui.app import make_app

    ws = open_workspace(resolve_path(args.workspace), create_missing=True, check_profile=check_profile)
    try:
        if ws.store.created and not ws.store.topics.count():  # only a new store gets the shipped topics
            from studio.synth.topics import seed_topics

            seed_topics(ws.store)
        make_app(ws).run()
    finally:
        ws.close()
    return 0
