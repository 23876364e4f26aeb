"""The loss mask of a conversation for any chat template: the assistant's answers only, and of those
only the turns whose ``weight`` is not 0.

The template is rendered prefix by prefix: the text of ``messages[:i]`` with the generation prompt
is where assistant turn ``i`` starts, the text of ``messages[:i + 1]`` is where it ends (its end-of-turn
token included, so the model learns to stop). The whole conversation is tokenised once with offsets, and
a token is learned when it starts inside a learned span. This needs no ``{% generation %}`` markers, so
it works for ChatML (SmolLM2), Qwen2-style and hand-made templates alike; a template that rewrites
earlier turns (one that drops the reasoning of past answers, say) is refused by name.
"""

from __future__ import annotations

from typing import Any

IGNORE = -100


class MaskError(ValueError):
    """The template cannot be split into turns; the message says why."""


def _render(tokenizer: Any, messages: list[dict[str, Any]], *, prompt: bool) -> str:
    plain = [{"role": m["role"], "content": m["content"]} for m in messages]
    return tokenizer.apply_chat_template(plain, tokenize=False, add_generation_prompt=prompt)


def learned_spans(tokenizer: Any, messages: list[dict[str, Any]]) -> tuple[str, list[tuple[int, int]]]:
    """The rendered conversation and the character spans whose tokens carry the loss."""
    full = _render(tokenizer, messages, prompt=False)
    spans: list[tuple[int, int]] = []
    for i, m in enumerate(messages):
        if m["role"] != "assistant" or m.get("weight", 1) == 0:
            continue
        start_text = _render(tokenizer, messages[:i], prompt=True)
        end_text = _render(tokenizer, messages[: i + 1], prompt=False)
        if not (full.startswith(start_text) and full.startswith(end_text) and end_text.startswith(start_text)):
            raise MaskError("the chat template renders earlier turns differently once later ones follow, so the "
                            f"assistant's turn {i} cannot be located; give the base model a template that keeps "
                            "the conversation's prefix (or add {% generation %} markers)")
        spans.append((len(start_text), len(end_text)))
    return full, spans


def tokenize_conversation(tokenizer: Any, messages: list[dict[str, Any]]) -> dict[str, list[int]]:
    """``input_ids`` and ``labels`` (-100 where no loss) for one conversation."""
    if not getattr(tokenizer, "is_fast", False):
        raise MaskError("the loss mask needs a fast tokenizer (tokenizer.json), which gives character offsets")
    text, spans = learned_spans(tokenizer, messages)
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    labels = []
    for token, (start, end) in zip(enc["input_ids"], enc["offset_mapping"], strict=True):
        inside = any(a <= start < b or (start == end and a < end <= b) for a, b in spans)
        labels.append(token if inside else IGNORE)
    return {"input_ids": list(enc["input_ids"]), "labels": labels}


def tokenize_rows(tokenizer: Any, rows: list[dict[str, Any]]) -> list[dict[str, list[int]]]:
    """Every row with something to learn (a row whose answers all weigh 0 teaches nothing and is left out)."""
    out = []
    for row in rows:
        item = tokenize_conversation(tokenizer, row["messages"])
        if any(label != IGNORE for label in item["labels"]):
            out.append(item)
    return out
