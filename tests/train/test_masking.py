"""The loss mask the local worker trains with: assistant answers only, weight-0 turns never, for chat
templates with and without {% generation %} markers."""

from __future__ import annotations

import pytest

from studio.train.masking import IGNORE, MaskError, tokenize_conversation, tokenize_rows

pytest.importorskip("transformers", reason="the train extra is not installed")
pytestmark = pytest.mark.train

# SmolLM2-135M-Instruct's template (ChatML with a default system turn; no generation markers).
SMOLLM2 = ("{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
           "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
           "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
           "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")
# Qwen2-Instruct's shape: a default system prompt, every turn ChatML.
QWEN2 = ("{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
         "{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}"
         "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
         "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")
# A template that rewrites past answers once a later turn follows (as reasoning templates do).
REWRITES = ("{% for message in messages %}{% if message['role'] == 'assistant' and not loop.last %}"
            "{{ '<|im_start|>assistant\n(earlier)<|im_end|>\n' }}{% else %}"
            "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}{% endif %}"
            "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")

DIALOGUE = [
    {"role": "system", "content": "你是英语老师。"},
    {"role": "user", "content": "Start"},
    {"role": "assistant", "content": '{"Reply": "Hi! Do you like tea?"}', "weight": 1},
    {"role": "user", "content": "I like tea very much"},
    {"role": "assistant", "content": '{"Reply": "REJECTED ANSWER"}', "weight": 0},
    {"role": "user", "content": "What about you"},
    {"role": "assistant", "content": '{"Reply": "I love green tea."}'},
]


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    from transformers import AutoTokenizer

    from studio.train.tiny import build_tiny_model

    corpus = [m["content"] for m in DIALOGUE] * 20 + ["You are a helpful assistant named SmolLM, trained by Hugging Face"]
    folder = build_tiny_model(tmp_path_factory.mktemp("tiny"), corpus)
    return AutoTokenizer.from_pretrained(folder)


def learned_text(tokenizer, item) -> str:  # type: ignore[no-untyped-def]
    return tokenizer.decode([t for t, label in zip(item["input_ids"], item["labels"], strict=True) if label != IGNORE])


@pytest.mark.parametrize("template", ["tiny", SMOLLM2, QWEN2], ids=["tiny-with-markers", "smollm2-chatml", "qwen2"])
def test_only_weighted_assistant_answers_carry_the_loss(tokenizer, template) -> None:
    if template != "tiny":
        tokenizer.chat_template = template
    item = tokenize_conversation(tokenizer, DIALOGUE)
    learned = learned_text(tokenizer, item)
    assert learned == ('{"Reply": "Hi! Do you like tea?"}<|im_end|>\n' '{"Reply": "I love green tea."}<|im_end|>\n')
    assert "REJECTED" not in learned and "Start" not in learned and "老师" not in learned
    full = tokenizer.decode(item["input_ids"])
    assert "REJECTED ANSWER" in full, "a weight-0 turn stays in the context the model reads"


def test_a_row_with_nothing_to_learn_is_left_out(tokenizer) -> None:
    tokenizer.chat_template = SMOLLM2
    silent = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "x", "weight": 0}]
    assert tokenize_rows(tokenizer, [{"messages": silent}, {"messages": DIALOGUE}]) == \
        [tokenize_conversation(tokenizer, DIALOGUE)]


def test_a_template_that_rewrites_history_is_refused_by_name(tokenizer) -> None:
    tokenizer.chat_template = REWRITES
    with pytest.raises(MaskError, match="renders earlier turns differently"):
        tokenize_conversation(tokenizer, DIALOGUE)
