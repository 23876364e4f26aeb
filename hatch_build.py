"""Build hook: the wheel carries each catalogue compiled (studio/locale/<locale>/LC_MESSAGES/studio.mo),
made here from its .po with Babel. An editable install needs no hook: studio.i18n compiles the .po
on first use into the user cache."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CatalogueHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        root = Path(self.root)
        self._out = Path(tempfile.mkdtemp(prefix="studio-mo-"))
        sources = sorted((root / "studio" / "locale").glob("*/LC_MESSAGES/*.po"))
        if not sources:
            raise RuntimeError(f"no catalogue (.po) under {root / 'studio' / 'locale'}")
        for po in sources:
            inside = po.relative_to(root).with_suffix(".mo").as_posix()
            target = self._out / inside
            target.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as handle:
                try:
                    catalog = read_po(handle, abort_invalid=True)
                except Exception as exc:
                    raise RuntimeError(f"{po}: {exc}") from None
            with target.open("wb") as handle:
                write_mo(handle, catalog)
            build_data["force_include"][str(target)] = inside

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        out = getattr(self, "_out", None)
        if out is not None:
            shutil.rmtree(out, ignore_errors=True)
