"""A model on this machine, loaded with transformers (the ``train`` extra): a fine-tuned folder, a
LoRA adapter folder (with its base model reachable), or any local causal LM.

Profile ``kind = "transformers"`` with ``model = "/path"``, or ``job:<id>`` for a finished job's
output. Generation runs in a thread and streams token by token; loaded models are kept per folder.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from studio.llm.base import ChatRequest, ChatResult, Delta, Stopwatch, Usage
from studio.llm.errors import ModelUnavailable

_LOADED: dict[str, tuple[Any, Any]] = {}
_LOCK = threading.Lock()


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


class TransformersProvider:
    kind = "transformers"

    def __init__(self, name: str, folder: str, *, max_new_tokens: int = 256) -> None:
        self.name, self.model, self.max_new_tokens = name, folder, max_new_tokens

    def _inputs(self, request: ChatRequest) -> tuple[Any, Any, Any]:
        model, tokenizer = load(self.model)
        messages = ([{"role": "system", "content": request.system}] if request.system else []) + [
            {"role": m.role, "content": m.content} for m in request.messages]
        inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt",
                                               return_dict=True)
        return model, tokenizer, inputs

    async def chat(self, request: ChatRequest) -> ChatResult:
        result: ChatResult | None = None
        async for event in self.stream(request):
            if isinstance(event, ChatResult):
                result = event
        assert result is not None
        return result

    async def stream(self, request: ChatRequest) -> AsyncIterator[Delta | ChatResult]:
        from transformers import TextIteratorStreamer

        watch = Stopwatch()
        model, tokenizer, inputs = await asyncio.to_thread(self._inputs, request)
        streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
        options = {"max_new_tokens": self.max_new_tokens, "streamer": streamer, "do_sample": False,
                   "pad_token_id": tokenizer.pad_token_id or tokenizer.eos_token_id}
        thread = threading.Thread(target=model.generate, kwargs={**inputs, **options}, daemon=True)
        thread.start()
        pieces = iter(streamer)
        text = ""
        while (piece := await asyncio.to_thread(next, pieces, None)) is not None:
            if piece:
                watch.mark_first()
                text += piece
                yield Delta(piece)
        thread.join()
        tokens_in = int(inputs["input_ids"].shape[-1])
        tokens_out = len(tokenizer(text, add_special_tokens=False)["input_ids"]) if text else 0
        yield ChatResult(text=text, usage=Usage(tokens_in, tokens_out), latency_s=watch.elapsed,
                         first_token_s=watch.first, model=self.model)

    async def aclose(self) -> None:
        return None
