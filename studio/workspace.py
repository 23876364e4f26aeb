"""A workspace: one folder holding the store, config.toml, exports/, jobs/ and logs/."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir

from studio.config import CONFIG_FILE, Config, ProfileCheck, Secrets, load_config, secrets_for
from studio.domain import RunStatus
from studio.domain.messages import N_, Message
from studio.resources import read_data
from studio.store import STORE_FILE, Store, StoreError
from studio.store.totals import disagreements

APP_NAME = "kouyu-studio"


class WorkspaceMissing(RuntimeError):
    """The folder is not an initialised workspace."""


def resolve_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--workspace`` wins, then ``STUDIO_WORKSPACE``, then the platform's user data folder."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get("STUDIO_WORKSPACE")
    if env:
        return Path(env).expanduser().resolve()
    return Path(user_data_dir(APP_NAME, appauthor=False)) / "workspace"


def is_workspace(path: Path) -> bool:
    return (path / CONFIG_FILE).exists() or (path / STORE_FILE).exists()


@dataclass
class Workspace:
    root: Path
    config: Config
    store: Store
    secrets: Secrets = field(repr=False, default_factory=Secrets)

    @property
    def exports_dir(self) -> Path:
        return self.root / self.config.paths.exports

    @property
    def jobs_dir(self) -> Path:
        return self.root / self.config.paths.jobs

    @property
    def logs_dir(self) -> Path:
        return self.root / self.config.paths.logs

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def create(path: Path) -> bool:
    """Lay out a new workspace folder (idempotent). Returns False if it already existed."""
    existed = is_workspace(path)
    path.mkdir(parents=True, exist_ok=True)
    config_path = path / CONFIG_FILE
    if not config_path.exists():
        config_path.write_text(read_data("config.toml"), encoding="utf-8")
    config = load_config(config_path)
    for sub in (config.paths.exports, config.paths.jobs, config.paths.logs):
        (path / sub).mkdir(parents=True, exist_ok=True)
    return not existed


def open_workspace(path: Path, *, create_missing: bool = False, check_profile: ProfileCheck | None = None,
                   **store_options: object) -> Workspace:
    """Open (and lock) a workspace; raises WorkspaceMissing, ConfigError, WorkspaceLocked.
    ``check_profile``: the provider registry's check of each profile (see ``load_config``)."""
    if not is_workspace(path):
        if not create_missing:
            raise WorkspaceMissing(Message("workspace.missing", N_("{path} is not a Kouyu Studio workspace; run: studio "
                                                                   "init {path}"), path=path))
        create(path)
    config = load_config(path / CONFIG_FILE, check_profile)
    store = Store(path, settle=False, **store_options)  # type: ignore[arg-type]
    try:
        alone = store.alone or not store_options.get("lock", True)
        if alone:  # no other session is in: a run left running belongs to a process that died
            mark_interrupted(store)
        check_run_totals(store, correct=alone)
        store.settle()
    except BaseException:
        store.close()
        raise
    return Workspace(root=path, config=config, store=store, secrets=secrets_for(path))


def mark_interrupted(store: Store) -> int:
    """Runs left ``running`` by a process that died are ``interrupted``: called only while this process
    has the workspace to itself (``Store.alone``), so no other one can be running them. Returns how many
    were marked."""
    marked = 0
    for repo in (store.runs, store.evals):
        stale = [doc_id for doc_id, doc in repo.raw() if doc.get("status") == RunStatus.RUNNING.value]
        for doc_id in stale:
            run = repo.get(doc_id)
            if run is None:
                continue
            resume = (f"; resume with: studio generate --resume {run.id}" if repo is store.runs
                      else "; run the same evaluation again to finish it")
            run.status = RunStatus.INTERRUPTED
            run.error = f"the process running it stopped (killed or crashed){resume}"
            repo.put(run)  # type: ignore[arg-type]
            marked += 1
    if marked:
        store.flush()
    return marked


def check_run_totals(store: Store, *, correct: bool = True) -> int:
    """Each run's ``completed`` and ``failed`` agree with its dialogues. A finished run wrote its totals after
    its last dialogue, so a disagreement there means the store lost changes: it is refused (``studio store
    recover`` derives them again and says what changed). An unfinished run is counted again here, as its
    resume would (``correct=False``: left alone, as another session may be running it). Returns how many
    totals were corrected."""
    fixes = disagreements(store.runs.raw(), store.dialogues.raw())
    lost = next((f for f in fixes if f.finished), None)
    if lost is not None:
        text = (N_("run {run} records {recorded} completed dialogues but the store holds {derived}: the store lost "
                   "changes; run: studio store recover") if lost.field == "completed" else
                N_("run {run} records {recorded} failed dialogues but the store holds {derived}: the store lost "
                   "changes; run: studio store recover"))
        raise StoreError(Message(f"store.run-{lost.field}", text, run=lost.run_id, recorded=lost.recorded,
                                 derived=lost.derived))
    if not correct:
        return 0
    for run_id in dict.fromkeys(f.run_id for f in fixes):
        doc = store.runs.get(run_id)
        if doc is not None:
            store.runs.put(doc.model_copy(update={f.field: f.derived for f in fixes if f.run_id == run_id}))
    if fixes:
        store.flush()
    return len(fixes)
