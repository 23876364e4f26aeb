"""A model on this machine, loaded with transformers (the ``train`` extra): a fine-tuned folder, a
LoRA adapter folder (with its base model reachable), or any local causal LM.

Profile ``kind = "transformers"`` with ``model = "/path"``, or ``job:<id>`` for a finished job's
output. Loaded models are kept per folder. One request at a time streams token by token (Simulate);
requests that arrive together (an eval run) are generated as one left-padded batch, several times
the throughput of one at a time on a CPU. Generation stops at the end of the answer's JSON object.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.config import ConfigError, ProviderProfile, Secrets
from studio.domain.messages import N_
from studio.domain.parse import object_end
from studio.llm.base import ChatRequest, ChatResult, Delta, Stopwatch, Usage
from studio.llm.errors import ModelUnavailable
from studio.llm.kinds import ProviderKind, register

_LOADED: dict[str, tuple[Any, Any]] = {}
_LOCK = threading.Lock()
#: Requests gathered into one batch wait this long for others to arrive.
GATHER_S = 0.05


def load(folder: str) -> tuple[Any, Any]:
    with _LOCK:
        if folder in _LOADED:
            return _LOADED[folder]
        try:
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError:
            raise ModelUnavailable("a local model needs the train extra: pip install torch==2.13.0 '.[train]'",
                        provider="transformers") from None
        path = Path(folder)
        if not path.is_dir():
            raise ModelUnavailable(f"no model folder {folder}", provider="transformers")
        if (path / "adapter_config.json").exists():
            from peft import AutoPeftModelForCausalLM

            model = AutoPeftModelForCausalLM.from_pretrained(folder).merge_and_unload()
        else:
            model = AutoModelForCausalLM.from_pretrained(folder)
        tokenizer = AutoTokenizer.from_pretrained(folder)
        model.eval()
        _LOADED[folder] = (model, tokenizer)
        return model, tokenizer


def _stopper(tokenizer: Any, prompt_length: int, cancelled: Callable[[], bool] = lambda: False) -> Any:
    """A stopping criterion, row by row: a row is done once its new text holds a whole JSON object;
    every row is done once ``cancelled()`` (its callers gave up: a timeout, ctrl-C), so a call that is
    no longer wanted stops at the next token instead of running on in its thread."""
    import torch
    from transformers import StoppingCriteria

    class JsonEnd(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            if cancelled():
                return torch.ones(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
            texts = tokenizer.batch_decode(input_ids[:, prompt_length:], skip_special_tokens=True)
            return torch.tensor([object_end(t) is not None for t in texts], dtype=torch.bool, device=input_ids.device)

    return JsonEnd()


def _cut(text: str) -> str:
    """The answer up to the end of its JSON object (what followed in the same token is dropped)."""
    end = object_end(text)
    return text[:end] if end is not None else text


def _answer(tokenizer: Any, new_ids: Any) -> tuple[str, int]:
    """A generated row's answer (cut at its JSON's end) and its length in tokens."""
    text = _cut(tokenizer.decode(new_ids, skip_special_tokens=True))
    return text, len(tokenizer(text, add_special_tokens=False)["input_ids"]) if text else 0


def _messages(request: ChatRequest) -> list[dict[str, str]]:
    return ([{"role": "system", "content": request.system}] if request.system else []) + [
        {"role": m.role, "content": m.content} for m in request.messages]


def generate_batch(folder: str, conversations: list[list[dict[str, str]]], max_new_tokens: int,
                   cancelled: Callable[[], bool] = lambda: False) -> list[tuple[str, int, int]]:
    """Greedy answers to several conversations at once (left-padded): (text, tokens in, tokens out) each."""
    import torch

    model, tokenizer = load(folder)
    texts = [tokenizer.apply_chat_template(c, add_generation_prompt=True, tokenize=False) for c in conversations]
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    try:
        inputs = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
    finally:
        tokenizer.padding_side = side
    width = int(inputs["input_ids"].shape[-1])
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    with torch.no_grad():
        out = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=pad,
                             stopping_criteria=[_stopper(tokenizer, width, cancelled)])
    results = []
    for row, mask in zip(out, inputs["attention_mask"], strict=True):
        text, tokens_out = _answer(tokenizer, row[width:])
        results.append((text, int(mask.sum()), tokens_out))
    return results


@dataclass
class _Waiting:
    """A request waiting for the model: its pieces of text arrive on ``queue``, then a
    ``(text, tokens in, tokens out)`` tuple, or the exception that stopped it."""

    messages: list[dict[str, str]]
    queue: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)
    gone: bool = False  # the caller gave up (a timeout): skipped if still waiting


def _stream_one(folder: str, waiting: _Waiting, loop: asyncio.AbstractEventLoop, max_new_tokens: int) -> None:
    """One request, alone: its text is streamed piece by piece as it is generated."""
    import torch
    from transformers import TextStreamer

    model, tokenizer = load(folder)
    inputs = tokenizer.apply_chat_template(waiting.messages, add_generation_prompt=True, return_tensors="pt",
                                           return_dict=True)
    width = int(inputs["input_ids"].shape[-1])

    class Pieces(TextStreamer):
        def on_finalized_text(self, text: str, stream_end: bool = False) -> None:
            if text and not waiting.gone:
                _tell(loop, waiting, text)

    with torch.no_grad():
        out = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False,
                             pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id,
                             streamer=Pieces(tokenizer, skip_prompt=True, skip_special_tokens=True),
                             stopping_criteria=[_stopper(tokenizer, width, lambda: waiting.gone)])
    text, tokens_out = _answer(tokenizer, out[0][width:])
    _tell(loop, waiting, (text, width, tokens_out))


def _all_gone(rows: list[_Waiting]) -> bool:
    return all(w.gone for w in rows)


def _tell(loop: asyncio.AbstractEventLoop, waiting: _Waiting, item: Any) -> None:
    """Hand ``item`` to the waiting caller; nothing when it gave up or its loop has closed."""
    if waiting.gone:
        return
    with contextlib.suppress(RuntimeError):  # the loop closed meanwhile (the command ended)
        loop.call_soon_threadsafe(waiting.queue.put_nowait, item)


@register
class TransformersProvider(ProviderKind):
    """Requests wait ``GATHER_S`` for others; up to ``batch`` of them are generated together, and a
    request that finds itself alone is streamed."""

    kind = "transformers"
    summary = N_("a model folder on this machine, loaded with transformers (the train extra)")

    @classmethod
    def check_profile(cls, name: str, profile: ProviderProfile) -> None:
        super().check_profile(name, profile)
        if not profile.model:
            raise ConfigError(f"provider '{name}': a transformers profile needs model = \"/path/to/model\"")

    @classmethod
    def from_profile(cls, name: str, profile: ProviderProfile, secrets: Secrets, *, seed: int = 0,
                     workspace: Path | None = None) -> TransformersProvider:
        return cls(name, profile.model, batch=profile.concurrency)

    def __init__(self, name: str, folder: str, *, max_new_tokens: int = 320, batch: int = 8) -> None:
        self.name, self.model, self.max_new_tokens, self.batch = name, folder, max_new_tokens, max(1, batch)
        self._waiting: list[_Waiting] = []
        self._draining = False

    async def chat(self, request: ChatRequest) -> ChatResult:
        result: ChatResult | None = None
        async for event in self.stream(request):
            if isinstance(event, ChatResult):
                result = event
        assert result is not None
        return result

    async def stream(self, request: ChatRequest) -> AsyncIterator[Delta | ChatResult]:
        watch = Stopwatch()
        waiting = _Waiting(_messages(request))
        self._waiting.append(waiting)
        if not self._draining:
            self._draining = True
            asyncio.get_running_loop().create_task(self._drain())
        text = ""
        try:
            while True:
                item = await waiting.queue.get()
                if isinstance(item, BaseException):
                    raise item
                if isinstance(item, tuple):
                    final, tokens_in, tokens_out = item
                    break
                end = object_end(text + item)
                piece = item if end is None else (text + item)[len(text):end]
                if piece:
                    watch.mark_first()
                    text += piece
                    yield Delta(piece)
        finally:
            waiting.gone = True
        if final[len(text):]:
            watch.mark_first()
            yield Delta(final[len(text):])
        yield ChatResult(text=final, usage=Usage(tokens_in, tokens_out), latency_s=watch.elapsed,
                         first_token_s=watch.first, model=self.model)

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            await asyncio.sleep(GATHER_S)
            while self._waiting:
                taken, self._waiting = self._waiting[: self.batch], self._waiting[self.batch:]
                live = [w for w in taken if not w.gone]
                try:
                    if len(live) == 1:
                        await asyncio.to_thread(_stream_one, self.model, live[0], loop, self.max_new_tokens)
                    elif live:
                        answers = await asyncio.to_thread(generate_batch, self.model, [w.messages for w in live],
                                                          self.max_new_tokens, functools.partial(_all_gone, live))
                        for w, answer in zip(live, answers, strict=True):
                            w.queue.put_nowait(answer[0])
                            w.queue.put_nowait(answer)
                except Exception as exc:  # noqa: BLE001 - every waiting caller gets the failure
                    for w in live:
                        w.queue.put_nowait(exc)
                await asyncio.sleep(GATHER_S)
        finally:
            self._draining = False

    async def aclose(self) -> None:
        return None
