"""A tiny causal LM built offline, for trying the whole loop on a CPU without downloading weights:
a byte-level BPE tokenizer trained on the dataset's own text and a 2-layer Qwen2 model with random
weights (about 120k parameters), with a ChatML template whose generation markers let the trainer
put the loss on the assistant's answers only. It learns the JSON shape in a few hundred steps; it
is a smoke test of the pipeline, not a tutor. Needs the ``train`` extra."""

from __future__ import annotations

import json
from pathlib import Path

from studio.domain import DatasetSnapshot
from studio.domain.messages import N_, Message
from studio.store import Store

QWEN2_SPLIT = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
               r"""|\s*[\r\n]+|\s+(?!\S)|\s+""")
CHAT_TEMPLATE = (
    "{%- for message in messages %}"
    "{%- if message['role'] == 'assistant' %}"
    "{{- '<|im_start|>assistant\\n' }}"
    "{%- generation %}{{- message['content'] + '<|im_end|>' }}{%- endgeneration %}"
    "{{- '\\n' }}"
    "{%- else %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


def build_tiny_model(folder: Path, corpus: list[str]) -> Path:
    import torch
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_SPLIT), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(corpus, trainer=trainers.BpeTrainer(
        vocab_size=1024, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False))
    hf_tok = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                     additional_special_tokens=["<|im_start|>"], model_max_length=4096)
    hf_tok.chat_template = CHAT_TEMPLATE
    hf_tok.save_pretrained(folder)
    torch.manual_seed(0)
    eos, pad = hf_tok.convert_tokens_to_ids("<|im_end|>"), hf_tok.convert_tokens_to_ids("<|endoftext|>")
    assert isinstance(eos, int) and isinstance(pad, int)  # one token each
    cfg = Qwen2Config(vocab_size=len(hf_tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096,
                      tie_word_embeddings=True, bos_token_id=None,
                      eos_token_id=eos, pad_token_id=pad)
    Qwen2ForCausalLM(cfg).save_pretrained(folder)
    return folder


#: How the tiny model trains well on a CPU (the Jobs pane's form and the CLI's hint use these); the
#: max length is measured per snapshot by ``fitting_length``.
TINY_RECIPE = {"method": "full", "learning_rate": 1e-3, "max_steps": 60, "batch_size": 4}
RECIPE_FILE = "studio-recipe.json"


def fitting_length(model: Path, jsonl: Path, step: int = 128) -> int:
    """A max length that keeps every sample of ``jsonl`` whole with this model's tokenizer (rounded up)."""
    from transformers import AutoTokenizer

    from studio.train.data import read_rows
    from studio.train.masking import tokenize_rows

    longest = max((len(r["input_ids"]) for r in tokenize_rows(AutoTokenizer.from_pretrained(model),
                                                                read_rows(jsonl))), default=step)
    return -(-longest // step) * step


def corpus_of(jsonl: Path) -> list[str]:
    """Every message text of a training file, in any export format the studio writes."""
    from studio.train.data import read_rows

    return [m["content"] for row in read_rows(jsonl) for m in row["messages"]]


def build_for_snapshot(store: Store, folder: Path, snapshot_id: str | None = None) -> tuple[DatasetSnapshot, int]:
    """A tiny model in ``folder`` whose tokenizer learns a snapshot's text (default: the newest snapshot),
    and the max length that fits that snapshot's samples.

    LookupError when there is no usable snapshot, ValueError when the folder is taken or the
    ``train`` extra is missing; each message says what to do."""
    snaps = sorted(store.snapshots.all(), key=lambda s: s.created)
    snap = store.snapshots.get(snapshot_id) if snapshot_id else (snaps[-1] if snaps else None)
    if snap is None:
        raise LookupError(Message("tiny.no-snapshot", N_("no snapshot to learn the vocabulary from: export a dataset "
                                                         "first (`studio export --format openai`, or x on the "
                                                         "Dashboard)")))
    train = next((Path(f) for f in snap.files if f.endswith("train.jsonl")), None)
    if train is None or not train.exists():
        raise LookupError(Message("snapshot.no-train", N_("snapshot {id} has no train.jsonl on disk; export again"),
                                  id=snap.id))
    if folder.exists() and any(folder.iterdir()):
        raise ValueError(Message("folder.not-empty", N_("{folder} is not empty; choose a new folder"), folder=folder))
    try:
        build_tiny_model(folder, corpus_of(train))
    except ImportError as exc:
        raise ValueError(Message("train.extra", N_("the {what} needs the train extra ({module} is missing): {fix}"),
                                 what=Message("tiny.what", N_("tiny model")), module=exc.name,
                                 fix="pip install torch==2.13.0 '.[train]'")) from None
    length = fitting_length(folder, train)
    (folder / RECIPE_FILE).write_text(json.dumps({**TINY_RECIPE, "max_length": length}) + "\n", encoding="utf-8")
    return snap, length


def recipe_of(folder: Path) -> dict[str, float | int | str] | None:
    """The settings a tiny model folder was built to train with (None for other folders)."""
    try:
        data = json.loads((folder / RECIPE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
