"""The experiment's table, shaped like the tutorial's: one row per model (the base and every run of
the grid), the four rubric dimensions, JSON-valid and checks-passed rates, and the pass rate per fault
kind; written as Markdown and JSON beside the snapshot.

Compliance comes from the checks and is always there. Reply, Suggestion and Analysis come from the
experiment's judge when it has one, else from blind human review in the Eval pane (``v``) where a
person has scored that model's answers, else "—" with the reason.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from statistics import mean
from typing import Any

from studio.domain import FaultKind
from studio.evaluate.experiment_state import State, write_json
from studio.evaluate.report import JUDGED, summarise
from studio.store.storage import atomic_write
from studio.workspace import Workspace

FAULT_ORDER = ["opening", *[f.value for f in FaultKind if f.value != "opening"]]


def _human(ws: Workspace, set_id: str, run_id: str) -> tuple[dict[str, float], int]:
    """Means of a person's blind scores of this run's answers, and how many answers were scored."""
    scores: dict[str, list[int]] = {d: [] for d in JUDGED}
    answers = 0
    for vote in ws.store.votes:
        if vote.set_id != set_id or run_id not in vote.scores:
            continue
        answers += 1
        for d in JUDGED:
            if d in vote.scores[run_id]:
                scores[d].append(vote.scores[run_id][d])
    return {d: round(mean(v), 2) for d, v in scores.items() if v}, answers


def _label(state: State, key: str) -> str:
    if key == "base":
        if state.settings.base_model:
            return f"{Path(state.settings.base_model).name} (base)"
        return "tiny model (base)" if state.recipe.base == "tiny" else "SmolLM2-135M-Instruct (base)"
    run = next(r for r in state.recipe.grid if r.key == key)
    return f"tuned: {run.method}, lr {run.learning_rate:g}, {run.epochs:g} epoch{'s' if run.epochs != 1 else ''}"


def results(ws: Workspace, state: State) -> dict[str, Any]:
    eval_set = ws.store.eval_sets.get(state.eval_set or "")
    snapshot = ws.store.snapshots.get(state.snapshot or "")
    rows = []
    for key, run_id in state.evals.items():
        run = ws.store.evals.get(run_id)
        if run is None or eval_set is None:
            continue
        summary = summarise(run, eval_set)
        human, scored = _human(ws, eval_set.id, run.id)
        rubric: dict[str, Any] = {"compliance": summary.scores.get("compliance")}
        if run.judge:
            source = f"judge {run.judge}"
            rubric |= {d: summary.scores.get(d) for d in JUDGED}
        elif human:
            source = f"blind human review ({scored} answers)"
            rubric |= {d: human.get(d) for d in JUDGED}
        else:
            source = "—: no judge (--judge PROFILE) and no blind human review yet (Eval pane, v)"
            rubric |= {d: None for d in JUDGED}
        job = ws.store.jobs.get(state.jobs[key]) if key in state.jobs else None
        training = None
        if job is not None:
            losses = [m.loss for m in job.metrics if m.loss is not None]
            training = {"job": job.id, "method": job.method, "learning_rate": job.hyper.get("learning_rate"),
                        "epochs": job.hyper.get("epochs"), "steps": job.metrics[-1].step if job.metrics else None,
                        "first_loss": losses[0] if losses else None, "final_loss": losses[-1] if losses else None,
                        "best_eval_loss": job.best_eval_loss(), "seconds": state.seconds.get(f"train:{key}"),
                        "train_rows": job.lineage.get("train_rows"), "hyper": job.hyper, "lora": job.lora}
        rows.append({"key": key, "model": _label(state, key), "run": run.id, "status": run.status.value,
                     "prompt": run.lineage.get("prompt", "full"), "items": summary.items,
                     "json_valid": summary.json_valid, "pass_rate": summary.pass_rate, "rubric": rubric,
                     "rubric_source": source, "checks": summary.checks,
                     "by_fault": {f: {"pass": b["pass"], "n": b["n"]} for f, b in summary.by_fault.items()},
                     "errors": summary.errors, "eval_seconds": state.seconds.get(f"eval:{key}"),
                     "training": training})
    tuned = [r for r in rows if r["key"] != "base"]
    def rank(r: dict[str, Any]) -> tuple[float, float, float]:  # ties: the lower eval loss
        loss = (r["training"] or {}).get("best_eval_loss")
        return r["pass_rate"], r["json_valid"], -loss if loss is not None else float("-inf")

    best = max(tuned, key=rank, default=None)
    wall = sum(state.seconds.values())
    return {"experiment": state.id, "recipe": asdict_recipe(state), "settings": state.settings.model_dump(),
            "machine": state.machine, "wall_s": round(wall, 1), "estimate_s": state.estimate_s,
            "seconds": state.seconds, "snapshot": {"id": state.snapshot, "counts": snapshot.counts if snapshot else {},
                                                    "prompt": snapshot.filters.get("prompt") if snapshot else None},
            "eval_set": {"id": state.eval_set, "items": len(eval_set.items) if eval_set else 0,
                         "by_fault": _fault_counts(eval_set)},
            "rows": rows, "best": best["key"] if best else None}


def asdict_recipe(state: State) -> dict[str, Any]:
    recipe = asdict(state.recipe)
    recipe["grid"] = [asdict(g) for g in state.recipe.grid]
    return recipe


def _fault_counts(eval_set: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in eval_set.items if eval_set else []:
        counts[item.fault] = counts.get(item.fault, 0) + 1
    return counts


def _num(value: float | None, fmt: str = "{:.2f}") -> str:
    return "—" if value is None else fmt.format(value)


def markdown(res: dict[str, Any]) -> str:
    rows = res["rows"]
    faults = [f for f in FAULT_ORDER if any(f in r["by_fault"] for r in rows)]
    minutes = res["wall_s"] / 60
    estimate = f" (estimated {res['estimate_s'] / 60:.0f} min)" if res.get("estimate_s") else ""
    snap = res["snapshot"]
    counts = snap.get("counts", {})
    out = [f"### Experiment {res['experiment']} — recipe `{res['recipe']['name']}`", "",
           f"Machine: {res['machine']}. Wall time {minutes:.1f} min{estimate}. Data: snapshot {snap['id']} "
           f"({snap.get('prompt') or 'full'} prompts), {counts.get('train', '?')} training samples; "
           f"{res['eval_set']['items']} eval turns from held-out topics.", "",
           "| model | prompt | JSON valid | every error check passed | compliance | reply | suggestion | analysis |",
           "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        g = r["rubric"]
        mark = " ★" if r["key"] == res.get("best") else ""
        out.append(f"| {r['model']}{mark} | {r['prompt']} | {r['json_valid']:.0%} | {r['pass_rate']:.0%} | "
                   f"{_num(g.get('compliance'))} | {_num(g.get('reply'))} | {_num(g.get('suggestion'))} | "
                   f"{_num(g.get('analysis'))} |")
    out += ["", "Every error check passed, per fault kind (items):", "",
            "| model | " + " | ".join(f"{f} ({res['eval_set']['by_fault'].get(f, 0)})" for f in faults) + " |",
            "|---|" + "---|" * len(faults)]
    for r in rows:
        cells = [f"{r['by_fault'][f]['pass']:.0%}" if f in r["by_fault"] else "—" for f in faults]
        out.append(f"| {r['model']} | " + " | ".join(cells) + " |")
    trained = [r for r in rows if r["training"]]
    if trained:
        out += ["", "| run | job | samples | steps | loss first → last | best eval loss | train time | eval time |",
                "|---|---|---|---|---|---|---|---|"]
        for r in trained:
            t = r["training"]
            out.append(f"| {r['model']} | {t['job']} | {t.get('train_rows') or '—'} | {t['steps'] or '—'} | "
                       f"{_num(t['first_loss'], '{:.3f}')} → {_num(t['final_loss'], '{:.3f}')} | "
                       f"{_num(t['best_eval_loss'], '{:.3f}')} | {_num(t['seconds'] and t['seconds'] / 60, '{:.1f} min')} | "
                       f"{_num(r['eval_seconds'] and r['eval_seconds'] / 60, '{:.1f} min')} |")
    rec, settings = res["recipe"], res["settings"]
    mix = ", ".join(f"{k} {v:g}" for k, v in (rec.get("mix") or {}).items()) or "the workspace's target mix"
    out += ["", f"Settings: {settings.get('dialogues') or rec['dialogues']} dialogues (mix: {mix}), "
                f"{rec['split']:.0%} of topics to train, {rec['prompt']} prompts; batch {rec['batch_size']}, max length "
                f"{rec['max_length']}, {rec['scheduler']} schedule with {rec['warmup']:g} warm-up, length-grouped "
                f"batches {'on' if rec['group_by_length'] else 'off'}, eval loss on {rec['eval_rows']} rows; LoRA rank "
                f"{rec['lora_rank']} (alpha {rec['lora_alpha']:g}); freeze: top {rec['trainable_layers']} "
                f"layer{'s' if rec['trainable_layers'] != 1 else ''}; "
                f"back-end {settings.get('backend') or rec['backend']}, seed {settings.get('seed', 0)}."]
    sources = sorted({r["rubric_source"] for r in rows})
    out += ["", "- The base model is asked with the full tutorial prompt (every rule spelled out: its best chance); "
                "each tuned model with the prompt it was trained on.",
            "- Compliance is from the checks (0–3). Reply, suggestion and analysis: " + "; ".join(sources) + "."]
    if any(r["errors"] for r in rows):
        out.append("- A call that failed is an error: it fails every check and is counted in every rate.")
    return "\n".join(out) + "\n"


def folder_of(ws: Workspace, state: State) -> Path:
    snapshot = ws.store.snapshots.get(state.snapshot or "")
    if snapshot is not None and snapshot.files:
        return Path(snapshot.files[0]).parent
    return ws.root / "experiments"


def write_files(ws: Workspace, state: State) -> tuple[Path, Path]:
    folder = folder_of(ws, state)
    md, js = folder / f"experiment-{state.id}.md", folder / f"experiment-{state.id}.json"
    write_json(js, state.results)
    atomic_write(md, markdown(state.results).encode("utf-8"))
    return md, js
