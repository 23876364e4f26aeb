"""Where a model folder made by the studio goes: ``studio train tiny-model NAME`` and ``smol-model
NAME`` write a bare NAME into the workspace's ``models/`` folder (never into the directory the
command was run from, a source checkout for one); ``--base-model NAME`` finds it there. A path
(``./tiny``, ``/data/m``, ``~/m``) is taken as it is written."""

from __future__ import annotations

from pathlib import Path

#: The workspace's folder of local models (the experiment's base models live there too).
MODELS = "models"


def is_bare_name(name: str) -> bool:
    """A name, not a path: no folder separator and no leading ``.`` or ``~``."""
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith((".", "~"))


def model_folder(workspace: Path, given: Path | str) -> Path:
    """The folder a model made under the name ``given`` is written to."""
    text = str(given)
    return workspace / MODELS / text if is_bare_name(text) else Path(text).expanduser()


def stored_model(workspace: Path, name: str) -> Path | None:
    """The workspace's model folder called ``name``, if there is one."""
    if not is_bare_name(name):
        return None
    folder = workspace / MODELS / name
    return folder if folder.is_dir() else None
