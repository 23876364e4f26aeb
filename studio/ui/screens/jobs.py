"""The Jobs pane: fine-tune jobs and sweeps, their loss curves, log, settings and lineage."""

from __future__ import annotations

import re

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual_plotext import PlotextPlot

from studio.domain import Job
from studio.domain.text import visible
from studio.i18n import _
from studio.train import service
from studio.train.files import tail
from studio.train.options import grid, specs
from studio.train.spec import make_spec
from studio.train.tiny import TINY_RECIPE, build_for_snapshot, recipe_of
from studio.ui.modals.command_forms import JobForm
from studio.ui.modals.common import Confirm
from studio.ui.safe import DataTable, Static, heading, notify
from studio.ui.screens.base import Pane
from studio.ui.widgets.plots import plot_text
from studio.ui.widgets.tables import Col, FitTable, Fitter
from studio.ui.words import word

# Job, status, progress and loss always show; at 80 columns the others go, the sweep id first.
COLUMNS = (Col("id", _("Job"), keep=True), Col("status", _("Status"), keep=True),
           Col("progress", _("Progress"), keep=True), Col("loss", _("Loss"), keep=True), Col("eta", _("ETA"), rank=4),
           Col("hyper", _("Epochs × LR"), rank=3), Col("method", _("Method"), rank=2),
           Col("backend", _("Back-end"), rank=1), Col("sweep", _("Sweep"), rank=0))
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")


def number(value: object) -> str:
    """A hyper-parameter as the curves name it (``3``, ``0.0002``); one the platform left out is ``?``."""
    return f"{value:g}" if isinstance(value, int | float) else "?" if value is None else str(value)


def clean_log_line(line: str) -> str:
    """A terminal line as it would look: colour and cursor codes gone, only what the last carriage return left."""
    line = ANSI.sub("", line)
    parts = [p for p in line.split("\r") if p.strip()]
    return visible(parts[-1] if parts else "")


class JobsScreen(Pane):
    TITLE_TEXT = _("Jobs")
    MODE = "jobs"
    USES = (DataTable, PlotextPlot, Static, Horizontal, Vertical)
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    HELP = _("Fine-tune jobs and sweeps. The table shows each job's status, progress, ETA and last loss (★ marks a "
             "sweep's best run: lowest eval loss, or final train loss). The chart overlays the loss and eval loss "
             "curves of the selected job's sweep (or the job alone), with each curve's last and best point beside "
             "it; below are the job's settings, lineage and log tail. `n` starts a job or a sweep from a form, `c` "
             "cancels (a local job saves a checkpoint first), `R` queues it again; for a finished local job `m` opens "
             "the tuned model as the teacher in the Simulate pane and `E` runs it on the newest eval set (see the "
             "Eval pane). `T` builds a tiny local model (a tokenizer trained on the newest snapshot and a 2-layer "
             "model, no download) to try the whole loop on a CPU. The queue runs while the studio is open, "
             "whichever pane is shown: queued jobs start one after another (remote ones in parallel), and a "
             "message says when each ends; without the studio, `studio train queue` runs it. Jobs keep running "
             "when the studio closes; reopening picks up their state. The OpenAI service is closing to new jobs, "
             "so that back-end is optional.")
    BINDINGS = [
        Binding("n", "new", _("New job/sweep"), id="jobs.new"),
        Binding("c", "cancel_job", _("Cancel"), id="jobs.cancel"),
        Binding("R", "retry", _("Retry"), id="jobs.retry"),
        Binding("T", "tiny", _("Tiny model"), show=False, id="jobs.tiny"),
        Binding("m", "simulate", _("Try in Simulate"), id="jobs.simulate"),
        Binding("E", "evaluate", _("Evaluate"), id="jobs.evaluate"),
        Binding("g", "refresh_now", _("Refresh"), show=False, id="jobs.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.jobs: list[Job] = []

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        table = FitTable(id="jobs-table", cursor_type="row", zebra_stripes=True)
        table.border_title = heading(_("Jobs"))
        yield table
        with Horizontal(id="jobs-detail"):
            yield PlotextPlot(id="loss-plot")
            with Vertical(id="jobs-side"):
                yield Static("", id="curve-numbers", classes="numbers")
                yield Static("", id="job-settings", classes="numbers")
        yield Static("", id="job-log", classes="log")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.fitter = Fitter(self.query_one(DataTable), COLUMNS)
        self.load()  # the studio's job queue keeps the jobs moving; their changes reload the table

    def store_changed(self, changes: set[tuple[str, str | None]]) -> None:
        if any(table == "jobs" for table, _item in changes):
            self.load()

    # -- data -------------------------------------------------------------------------------------
    def action_refresh_now(self) -> None:
        self.studio.jobs.poke()
        self.load()

    @work(thread=True, exclusive=True, group="jobs-load", exit_on_error=False)
    def load(self) -> None:
        jobs = sorted(self.store.jobs.all(), key=lambda j: j.created, reverse=True)
        self.app.call_from_thread(self._fill, jobs)

    def _fill(self, jobs: list[Job]) -> None:
        self.jobs = jobs
        table = self.query_one(DataTable)
        rows = []
        for j in jobs:
            bar = "█" * int(j.progress * 10) + "░" * (10 - int(j.progress * 10))
            last = j.metrics[-1] if j.metrics else None
            eta = f"{last.remaining_s:.0f}s" if last and last.remaining_s is not None and not j.done else ""
            loss = j.last_loss()
            rows.append((j.id, {"id": j.id, "backend": j.backend, "method": j.method,
                                "status": word(j.status.value) + (" ★" if j.best else ""),
                                "progress": f"{bar} {j.progress:.0%}", "eta": eta,
                                "loss": f"{loss:.4f}" if loss is not None else "-",
                                "hyper": f"{j.hyper.get('epochs')} × {j.hyper.get('learning_rate')}",
                                "sweep": j.sweep_id or ""}))
        self.fitter.show(rows)
        active = sum(not j.done for j in jobs)
        table.border_title = heading(_("Jobs · {n}").format(n=len(jobs)) + (
            " · " + _("{n} active").format(n=active) if jobs else ""))
        self._detail()

    def _current(self) -> Job | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((j for j in self.jobs if j.id == key), None)

    @on(FitTable.Resized, "#jobs-table")
    def _table_resized(self) -> None:
        self.fitter.resized()
        self._fill(self.jobs)

    @on(DataTable.RowHighlighted, "#jobs-table")
    def _highlighted(self) -> None:
        self._detail()

    def _detail(self) -> None:
        job = self._current()
        plot = self.query_one("#loss-plot", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        if job is None:
            self.query_one("#job-settings", Static).update(_("no jobs yet: press n to start one (an export snapshot "
                                                             "is needed: studio export …)"))
            plot.refresh()
            return
        group = [j for j in self.jobs if job.sweep_id and j.sweep_id == job.sweep_id] or [job]
        lines = []
        for j in group:
            name = f"{j.method} {number(j.hyper.get('epochs'))}ep lr {number(j.hyper.get('learning_rate'))}"  # whole: lrs differ late
            train = [(m.step, m.loss) for m in j.metrics if m.loss is not None]
            evals = [(m.step, m.eval_loss) for m in j.metrics if m.eval_loss is not None]
            if train:
                plt.plot([p[0] for p in train], [p[1] for p in train], label=plot_text(name))
                lines.append(f"{'★' if j.best else ' '} " + _("{name}: last {last} @ {step}, best {best}").format(
                    name=name, last=f"{train[-1][1]:.4f}", step=train[-1][0], best=f"{min(p[1] for p in train):.4f}"))
            if evals:
                plt.plot([p[0] for p in evals], [p[1] for p in evals], label=plot_text(_("{name} eval").format(name=name)), marker="dot")
                lines.append("  " + _("eval: last {last}, best {best}").format(
                    last=f"{evals[-1][1]:.4f}", best=f"{min(p[1] for p in evals):.4f}"))
        plt.title(plot_text(_("Loss · sweep {sweep}").format(sweep=job.sweep_id) if job.sweep_id else _("Loss")))
        plot.refresh()
        self.query_one("#curve-numbers", Static).update("\n".join(lines) or _("no loss points yet"))
        lineage = job.lineage
        settings = [f"{job.id} · {job.backend} · {job.method} · {word(job.status.value)}",
                    _("base model: {model}").format(model=job.base_model),
                    _("hyper: {settings}").format(settings=", ".join(f"{k} {v}" for k, v in job.hyper.items())),
                    *([f"lora: {job.lora}"] if job.lora else []),
                    _("snapshot {snapshot} ({digest}), rows {train} train / {eval} eval").format(
                        snapshot=job.snapshot_id, digest=str(lineage.get("snapshot_hash", ""))[:12],
                        train=lineage.get("train_rows", "?"), eval=lineage.get("eval_rows", "?")),
                    *(f"{k}: {v}" for k, v in job.result.items()),
                    *([_("error: {error}").format(error=job.error)] if job.error else [])]
        self.query_one("#job-settings", Static).update("\n".join(settings))
        self.show_log(job)

    @work(thread=True, exclusive=True, group="jobs-log", exit_on_error=False)
    def show_log(self, job: Job) -> None:
        ws = self.studio.workspace
        lines = [clean_log_line(line)[-200:] for line in tail(service.folder_of(ws, job).log, 6)]
        self.app.call_from_thread(self.query_one("#job-log", Static).update,
                                  "\n".join(lines) or _("(no log yet: {file})").format(file=service.folder_of(ws, job).log))

    # -- actions ------------------------------------------------------------------------------------
    def action_new(self) -> None:
        self.open_form()

    @work(thread=True, group="jobs-form", exit_on_error=False)
    def open_form(self) -> None:
        snapshots = sorted(self.store.snapshots.all(), key=lambda s: s.created)
        tiny = sorted((self.studio.workspace.root / "models").glob("tiny-*"))
        values: dict[str, object] = {"snapshot": snapshots[-1].id if snapshots else "",
                                     "base_model": str(tiny[-1]) if tiny else ""}
        if tiny and (recipe := recipe_of(tiny[-1])):  # the settings `T`'s toast recommends
            values |= {"method": [recipe["method"]], "lr": [recipe["learning_rate"]], "epochs": [1],
                       "batch_size": recipe["batch_size"], "max_steps": recipe["max_steps"],
                       "max_length": recipe["max_length"]}
        self.app.call_from_thread(self.app.push_screen, JobForm(values), self._create)

    def _create(self, values: dict[str, object] | None) -> None:
        if values is None:
            return
        ws = self.studio.workspace

        def create() -> None:
            (base, *more), (epochs, rates, methods) = specs(values), grid(values)
            if more:
                service.sweep(ws, base, epochs, rates, methods, make_spec)
            else:
                service.create_job(ws, base)
            self.studio.jobs.poke()

        self.studio.write(create, word("queued"))

    def action_cancel_job(self) -> None:
        job = self._current()
        if job is None or job.done:
            notify(self, _("select a queued or running job"), severity="warning")
            return
        ws = self.studio.workspace

        def cancel() -> None:
            service.cancel(ws, job.id)
            self.studio.jobs.poke()

        def done(yes: bool | None) -> None:
            if yes:
                self.studio.write(cancel, _("cancel sent to {job}").format(job=job.id))

        question = _("Cancel job {job} ({status})?").format(job=job.id, status=word(job.status.value))
        self.app.push_screen(Confirm(question, _("Cancel job")), done)

    def action_retry(self) -> None:
        job = self._current()
        if job is not None:
            ws = self.studio.workspace

            def retry() -> None:
                service.retry(ws, job.id)
                self.studio.jobs.poke()

            self.studio.write(retry, _("queued again"))

    def _finished_local(self) -> Job | None:
        job = self._current()
        if job is None or not job.result.get("output_dir") or job.status.value != "succeeded":
            notify(self, _("select a finished local job (its model folder is what gets loaded)"), severity="warning")
            return None
        return job

    def action_simulate(self) -> None:
        job = self._finished_local()
        if job is not None:
            self.studio.next_teacher = f"job:{job.id}"
            self.app.switch_mode("simulate")

    def action_evaluate(self) -> None:
        job = self._finished_local()
        if job is not None:
            self.studio.evaluate_model(f"job:{job.id}")

    def action_tiny(self) -> None:
        self.build_tiny()

    @work(thread=True, exclusive=True, group="jobs-tiny", exit_on_error=False)
    def build_tiny(self) -> None:
        ws = self.studio.workspace
        snaps = sorted(self.store.snapshots.all(), key=lambda s: s.created)
        folder = ws.root / "models" / f"tiny-{snaps[-1].id if snaps else 'none'}"
        if snaps and folder.exists():
            self.app.call_from_thread(notify, self, _("{folder} exists already; n starts a job on it").format(folder=folder))
            return
        self.app.call_from_thread(notify, self, _("building a tiny model (about 10 s)…"))
        try:
            _snapshot, length = build_for_snapshot(self.store, folder)
        except (LookupError, ValueError) as exc:
            self.studio.failed(_("building a tiny model"), exc)
            return
        r = TINY_RECIPE
        self.app.call_from_thread(notify, self, _(
            "tiny model in {folder}: n starts a job on it (method {method}, lr {lr}, max steps {steps}, batch {batch}, "
            "max length {length})").format(folder=folder, method=r["method"], lr=f"{r['learning_rate']:g}",
                                           steps=r["max_steps"], batch=r["batch_size"], length=length), timeout=15)
