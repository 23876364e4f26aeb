"""The local fine-tune worker: ``python -m studio.train.worker jobs/<id>/job.json``.

TRL's SFTTrainer (PEFT LoRA or a full update) on the job's data, CPU or GPU. The loss falls on the
assistant's answers only, and only on turns whose ``weight`` is not 0: the conversations are tokenised
here with that mask (``studio.train.masking``, any chat template, no generation markers needed) and
given to the trainer as ``input_ids``/``labels``. Progress goes to
``metrics.jsonl`` (one line per logging step) and ``status.json``; SIGTERM (or a ``cancel`` file)
stops after the current step with a checkpoint saved. Needs the ``train`` extra.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from studio.train.data import read_rows
from studio.train.files import JobDir, append_jsonl, read_json, write_json
from studio.train.masking import IGNORE, tokenize_rows

for _name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
    os.environ.setdefault(_name, "1")  # no hub requests unless the user asks for them
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _status(folder: JobDir, **fields: Any) -> None:
    current = read_json(folder.status) or {}
    write_json(folder.status, {**current, **fields, "updated": time.time()})


def _eval_steps(value: float) -> float | int:
    """Below 1 a share of the run (transformers' own convention), else a whole number of steps."""
    return value if value < 1 else int(value)


def _check_length(rows: list[dict[str, Any]], max_length: int) -> None:
    """Rows are cut at ``max_length`` tokens; say how many lose answer tokens, and stop when none keeps any."""
    learned = [next((k for k, label in enumerate(r["labels"]) if label != IGNORE), 0) for r in rows]
    cut = sum(1 for r in rows if len(r["input_ids"]) > max_length)
    longest = max((len(r["input_ids"]) for r in rows), default=0)
    if rows and all(start >= max_length for start in learned):
        raise ValueError(f"max_length {max_length} cuts every row before its first answer (answers start at token "
                         f"{min(learned)} or later; rows are up to {longest} tokens): raise --max-length")
    if cut:
        print(f"note: {cut} of {len(rows)} rows are longer than max_length {max_length} (longest {longest} tokens) "
              "and are cut; what is cut is not learned", file=sys.stderr, flush=True)


def _answers_only(base: type) -> type:
    """The trainer with a loss that computes the output layer only where a token is learned.

    The loss is the same mean cross-entropy over learned tokens as the trainer's own; the output layer
    (hidden size × vocabulary, a fifth of SmolLM2's forward pass) and its softmax are skipped at the
    prompt's positions, which are most of a sample, so a step costs about a quarter less on a CPU."""
    import torch.nn.functional as F  # noqa: N812

    class AnswersOnly(base):
        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            labels = inputs["labels"]
            hidden = model.get_decoder()(input_ids=inputs["input_ids"],
                                         attention_mask=inputs.get("attention_mask")).last_hidden_state
            target = labels[:, 1:]
            keep = target != IGNORE
            logits = model.get_output_embeddings()(hidden[:, :-1][keep])
            loss = F.cross_entropy(logits.float(), target[keep])
            return (loss, {"logits": logits}) if return_outputs else loss

    return AnswersOnly


def _freeze(model: Any, trainable: int) -> None:
    """Only the top ``trainable`` decoder layers and the final norm learn (LLaMA-Factory's
    ``finetuning_type: freeze``): the backward pass stops there, so a step costs about half a full one."""
    layers = model.get_decoder().layers
    if not 1 <= trainable <= len(layers):
        raise ValueError(f"trainable_layers: 1 to {len(layers)} for this model, got {trainable}")
    for p in model.parameters():
        p.requires_grad_(False)
    for module in (*layers[len(layers) - trainable:], model.get_decoder().norm):
        for p in module.parameters():
            p.requires_grad_(True)


def train(job_file: Path) -> int:
    spec = read_json(job_file)
    if spec is None:
        print(f"{job_file}: not a readable job file", file=sys.stderr)
        return 2
    folder = JobDir(job_file.parent)
    stop = {"asked": False}

    def on_term(signum: int, frame: object) -> None:
        stop["asked"] = True

    signal.signal(signal.SIGTERM, on_term)
    _status(folder, status="starting", pid=os.getpid(), started=time.time())
    try:
        import torch
        from datasets import Dataset
        from peft import LoraConfig
        from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
        from trl import SFTConfig, SFTTrainer
    except ImportError as exc:
        _status(folder, status="failed", error=f"the train extra is missing ({exc.name}): "
                                                "pip install torch==2.13.0 '.[train]'")
        return 3

    class Progress(TrainerCallback):
        def __init__(self) -> None:
            self.t0 = time.time()

        def on_train_begin(self, args, state, control, **kwargs):
            _status(folder, status="running", total_steps=state.max_steps)

        def on_step_end(self, args, state, control, **kwargs):
            if stop["asked"] or folder.cancel_flag.exists():
                stop["asked"] = True
                control.should_training_stop = True
                control.should_save = True
            return control

        def on_log(self, args, state, control, logs=None, **kwargs):
            if not state.is_world_process_zero or not logs or "train_runtime" in logs:
                return
            elapsed = time.time() - self.t0
            step = state.global_step
            remaining = elapsed / step * (state.max_steps - step) if step else None
            append_jsonl(folder.metrics, {
                "step": step, "total_steps": state.max_steps, "epoch": state.epoch, "loss": logs.get("loss"),
                "eval_loss": logs.get("eval_loss"), "learning_rate": logs.get("learning_rate"),
                "elapsed_s": round(elapsed, 3), "remaining_s": round(remaining, 3) if remaining is not None else None})

    try:
        hyper, lora = spec["hyper"], spec.get("lora") or {}
        gpu = torch.cuda.is_available()
        tokenizer = AutoTokenizer.from_pretrained(spec["base_model"])
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        model = AutoModelForCausalLM.from_pretrained(spec["base_model"], dtype=torch.bfloat16 if gpu else torch.float32)
        if spec["method"] == "freeze":
            _freeze(model, int(hyper.get("trainable_layers", 15)))
        rows = read_rows(Path(spec["train"]))
        held = read_rows(Path(spec["eval"])) if spec.get("eval") else []
        rows, held = tokenize_rows(tokenizer, rows), tokenize_rows(tokenizer, held)
        _check_length(rows, int(hyper["max_length"]))
        args = SFTConfig(
            output_dir=str(folder.output), num_train_epochs=float(hyper["epochs"]), max_steps=int(hyper["max_steps"]),
            learning_rate=float(hyper["learning_rate"]), per_device_train_batch_size=int(hyper["batch_size"]),
            per_device_eval_batch_size=int(hyper["batch_size"]), max_length=int(hyper["max_length"]),
            seed=int(hyper["seed"]), logging_steps=int(hyper["logging_steps"]), save_strategy="no", report_to="none",
            bf16=gpu and torch.cuda.is_bf16_supported(), gradient_checkpointing=False, use_cpu=not gpu,
            eval_strategy="steps" if held else "no",
            eval_steps=_eval_steps(float(hyper.get("eval_steps", 0.1))), lr_scheduler_type=str(hyper.get("scheduler", "linear")),
            warmup_steps=float(hyper.get("warmup", 0.0)),
            train_sampling_strategy="group_by_length" if hyper.get("group_by_length") else "random",
            dataloader_num_workers=0)
        peft_config = LoraConfig(r=int(lora.get("rank", 8)), lora_alpha=float(lora.get("alpha", 16)),  # type: ignore[arg-type]  # peft scales by alpha / r: a float works
                                 lora_dropout=float(lora.get("dropout", 0.05)), task_type="CAUSAL_LM",
                                 target_modules="all-linear") if spec["method"] == "lora" else None
        trainer = _answers_only(SFTTrainer)(model=model, args=args, train_dataset=Dataset.from_list(rows),
                             eval_dataset=Dataset.from_list(held) if held else None, processing_class=tokenizer,
                             peft_config=peft_config, callbacks=[Progress()])
        trainer.train()
        trainer.save_model(str(folder.output))
        tokenizer.save_pretrained(str(folder.output))
    except Exception as exc:  # noqa: BLE001 - every failure is reported in status.json, then re-raised to the log
        traceback.print_exc()
        _status(folder, status="failed", error=f"{type(exc).__name__}: {exc}", finished=time.time())
        return 1
    kind = "adapter" if spec["method"] == "lora" else "model"
    _status(folder, status="cancelled" if stop["asked"] else "succeeded", finished=time.time(),
            output=str(folder.output), kind=kind)
    return 0


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: python -m studio.train.worker jobs/<id>/job.json", file=sys.stderr)
        return 2
    return train(Path(sys.argv[1]))


if __name__ == "__main__":
    raise SystemExit(main())
