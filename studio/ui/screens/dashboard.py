"""The Dashboard pane: the dataset's distributions beside their numbers, and the generation run panel."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import plotext._utility as plotext_utility
from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual_plotext import PlotextPlot

from studio.domain import DEFAULT_MIX
from studio.evaluate.agreement import agreement, stats_text
from studio.i18n import _, ngettext
from studio.synth import dashboard, review
from studio.synth.dashboard import Stats, bucket_label
from studio.synth.options import run_config
from studio.synth.run import Progress
from studio.turn.shown import fault_label
from studio.ui.modals.command_forms import ExportForm, GenerateForm
from studio.ui.safe import DataTable, Static, Table, heading, notify
from studio.ui.screens.base import Pane
from studio.ui.screens.samples import SamplesScreen
from studio.ui.widgets.plots import plot_text
from studio.ui.widgets.tables import cut
from studio.ui.words import word

KINDS = dashboard.fault_kinds()

# Plotext removes duplicate ticks through a set, so tick labels come out in an order that changes
# with each process's string hashing, and the chart with them. Keep the first-seen order instead.
plotext_utility.no_duplicates = lambda data: list(dict.fromkeys(data))


class DashboardScreen(Pane):
    TITLE_TEXT = _("Dashboard")
    MODE = "dashboard"
    AUTO_FOCUS = "#dash"
    USES = (VerticalScroll, Horizontal, DataTable, Static, PlotextPlot)
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    HELP = _("The dataset at a glance: fault mix (target share vs actual), the turn-position × fault matrix, check "
             "pass rates and rubric limits, answer lengths against the 30-word limit, intended vs observed faults, "
             "topic coverage, review progress, and cost, tokens, latency and errors by provider and role. `s` "
             "changes the scope (whole dataset, each run, the Samples pane's current filter). In the checks table, "
             "Enter jumps to the samples failing that check. `G` starts a generation run, `P` pauses or resumes "
             "it, `S` stops it; its progress shows at the top while it runs. `x` exports the dataset (format, topic "
             "split, which samples) and names the snapshot that fine-tune jobs and eval sets use.")
    BINDINGS = [
        Binding("s", "scope", _("Scope"), id="dashboard.scope"),
        Binding("G", "generate", _("Generate"), id="dashboard.generate"),
        Binding("P", "pause", _("Pause/resume"), id="dashboard.pause"),
        Binding("S", "stop_run", _("Stop run"), id="dashboard.stop"),
        Binding("x", "export", _("Export"), id="dashboard.export"),
        Binding("R", "reload", _("Refresh"), show=False, id="dashboard.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.scopes: list[tuple[str, str | None]] = [("all", None)]
        self.scope = 0
        self.stats: Stats | None = None
        self.compute_ms = 0.0

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Static(_("no generation run in this session · G starts one"), id="run-panel", classes="panel")
        with VerticalScroll(id="dash"):
            yield Static("", id="dash-scope", classes="status")
            yield Static("", id="judging", classes="status")
            with Horizontal(classes="chart-row"):
                yield PlotextPlot(id="mix-plot", classes="chart")
                yield Static("", id="mix-numbers", classes="numbers")
            with Horizontal(classes="chart-row stacked"):  # two 7-column matrices do not fit side by side
                yield Static("", id="position", classes="numbers wide")
                yield Static("", id="confusion", classes="numbers wide")
            with Horizontal(classes="chart-row"):
                yield PlotextPlot(id="checks-plot", classes="chart")
                yield DataTable(id="checks-table", cursor_type="row", classes="numbers")
            with Horizontal(classes="chart-row"):
                yield PlotextPlot(id="length-reply", classes="chart")
                yield PlotextPlot(id="length-analysis", classes="chart")
                yield Static("", id="length-numbers", classes="numbers")
            with Horizontal(classes="chart-row"):
                yield PlotextPlot(id="topics-plot", classes="chart")
                yield Static("", id="topics-numbers", classes="numbers")
            with Horizontal(classes="chart-row short"):
                yield Static("", id="review-numbers", classes="numbers")
                yield Static("", id="floors", classes="numbers")
            yield Static("", id="cost", classes="numbers wide")
            yield Static("", id="agreement", classes="numbers wide")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one("#checks-table", DataTable)
        table.add_columns(_("Check"), _("Pass"), _("Fail"))
        table.border_title = heading(_("Enter: failing samples"))
        self.studio.run_progress.subscribe(self, self._progress)
        self._progress(None)
        self.studio.judging.subscribe(self, self._judging)
        self._judging(self.studio.judging_note)
        self.load()

    def store_changed(self, changes: set[tuple[str, str | None]]) -> None:
        if any(table in ("dialogues", "runs", "calls", "topics") for table, _item in changes):
            self.load()

    def action_reload(self) -> None:
        self.load()

    def _judging(self, note: str) -> None:
        """How far the off-topic judging of imported turns is: the figures below count those not yet judged as they were read."""
        widget = self.query_one("#judging", Static)
        widget.update(_("{progress} · off-topic figures are partial until it finishes").format(progress=note)
                      if note else "")
        widget.display = bool(note)

    # -- data -------------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="dashboard", exit_on_error=False)
    def load(self) -> None:
        runs = sorted(self.store.runs.all(), key=lambda r: r.created, reverse=True)
        scopes: list[tuple[str, str | None]] = [("all", None), *((f"run {r.id} ({r.kind})", r.id) for r in runs),
                                                ("samples filter", "filter")]
        _name, value = self.scopes[self.scope] if self.scope < len(self.scopes) else ("all", None)
        start = time.perf_counter()
        if value == "filter":
            keys = self._filter_keys()
            stats = dashboard.compute(self.store, keys=keys)
            scope = ngettext("filter ({n} sample)", "filter ({n} samples)", len(keys)).format(n=len(keys))
        else:
            stats = dashboard.compute(self.store, run_id=value)
            scope = _("run {run}").format(run=value) if value else _("whole dataset")
        elapsed = (time.perf_counter() - start) * 1000
        self.app.call_from_thread(self._show, stats, scopes, elapsed, scope)
        team = agreement(self.store.dialogues.raw(), self.store.votes.all(), {r.id: r for r in self.store.evals.all()})
        self.app.call_from_thread(self._agreement, stats_text(team))

    def _filter_keys(self) -> set[str]:
        """The samples the Samples pane's filter shows (all samples when the pane was never opened)."""
        keys = self.studio.sample_filter_keys()
        return keys if keys is not None else {r.key for r in review.all_rows(self.store)}

    def action_scope(self) -> None:
        self.scope = (self.scope + 1) % max(1, len(self.scopes))
        self.load()

    # -- showing ------------------------------------------------------------------------------------
    def _show(self, stats: Stats, scopes: list[tuple[str, str | None]], ms: float, scope: str) -> None:
        self.stats, self.scopes, self.compute_ms = stats, scopes, ms
        self.query_one("#dash-scope", Static).update(" · ".join((
            _("scope: {scope}").format(scope=scope),
            ngettext("{n} dialogue", "{n} dialogues", stats.dialogues).format(n=stats.dialogues),
            ngettext("{n} sample", "{n} samples", stats.samples).format(n=stats.samples), _("s changes scope"))))
        self._mix(stats)
        self._matrices(stats)
        self._checks(stats)
        self._lengths(stats)
        self._topics(stats)
        self._review(stats)
        self._cost(stats)

    @contextmanager
    def _chart(self, selector: str, title: str) -> Iterator[Any]:
        """Redraw one chart: cleared, drawn by the caller, titled, refreshed."""
        plot = self.query_one(selector, PlotextPlot)
        plot.plt.clear_data()
        yield plot.plt
        plot.plt.title(plot_text(title))
        plot.refresh()

    def _mix(self, s: Stats) -> None:
        labels = [fault_label(k) for k in KINDS]
        target = [s.target.get(k, 0) * 100 for k in KINDS]
        actual = [s.actual_share(k) * 100 for k in KINDS]
        # No legend inside the plot (it would cover the tallest bars): the title says which bar is which.
        with self._chart("#mix-plot", _("Fault mix: target vs actual (%) · left bar target, right actual")) as plt:
            plt.multiple_bar([plot_text(label) for label in labels], [target, actual])
            plt.ylim(0, max([*target, *actual, 1]) * 1.1)
        table = Table(_("fault"), _("target"), _("actual"), "n", box=None, pad_edge=False)
        for k in KINDS:
            table.add_row(fault_label(k), f"{s.target.get(k, 0):.1%}", f"{s.actual_share(k):.1%}", str(s.actual[k]))
        table.caption = heading(_("bars: left target, right actual; weights are relative ({mix} sums to {total})").format(
            mix=DEFAULT_MIX.text(), total=f"{DEFAULT_MIX.total:g}"))
        self.query_one("#mix-numbers", Static).update(table)

    def _matrices(self, s: Stats) -> None:
        pos = Table(_("student turn"), *(fault_label(k) for k in KINDS), title=_("Turn position × fault"), box=None)
        for n in sorted(s.position):
            pos.add_row(str(n), *(str(s.position[n][k]) for k in KINDS))
        self.query_one("#position", Static).update(pos)
        conf = Table(_("intended ↓ observed →"), *(fault_label(k) for k in KINDS),
                     title=_("Intended vs observed fault"), box=None)
        for a in KINDS:
            conf.add_row(fault_label(a), *(str(s.confusion[(a, b)] or "·") for b in KINDS))
        self.query_one("#confusion", Static).update(conf)

    def _checks(self, s: Stats) -> None:
        ids = dashboard.check_ids()
        worst = sorted(ids, key=lambda c: s.pass_rate(c))[:8]
        with self._chart("#checks-plot", _("Pass rate % (lowest 8 checks)")) as plt:
            plt.bar(worst, [s.pass_rate(c) * 100 for c in worst], orientation="h")  # whole ids: no two alike
            plt.xlim(0, 100)
        table = self.query_one("#checks-table", DataTable)
        table.clear()
        for c in sorted(ids, key=lambda c: (s.pass_rate(c), c)):
            table.add_row(c, f"{s.pass_rate(c):.1%}", str(s.failed[c]), key=c)

    def _lengths(self, s: Stats) -> None:
        titles = {"reply": _("Reply length (words; limit 30)"), "analysis": _("Analysis length (characters)")}
        for name, widget in (("reply", "#length-reply"), ("analysis", "#length-analysis")):
            buckets = range(len(dashboard.BUCKETS[name]) + 1)
            with self._chart(widget, titles[name]) as plt:
                plt.bar([bucket_label(name, b) for b in buckets], [s.lengths[name][b] for b in buckets])
        n = s.samples or 1
        self.query_one("#length-numbers", Static).update("\n".join((
            _("Reply over 30 words: {n} ({share})").format(n=s.over_limit["reply"], share=f"{s.over_limit['reply'] / n:.1%}"),
            _("longest Suggestion over 30 words: {n}").format(n=s.over_limit["suggestion"]),
            *(_("suggestion {bucket}: {n}").format(bucket=bucket_label("suggestion", b), n=c)
              for b, c in sorted(s.lengths["suggestion"].items())))))

    def _topics(self, s: Stats) -> None:
        top = s.per_topic.most_common(10)
        with self._chart("#topics-plot", _("Samples per topic (most covered)")) as plt:
            plt.bar([plot_text(cut(s.topic_names.get(t, t), 16)) for t, _n in top], [c for _t, c in top],
                    orientation="h")
        least = s.least_covered(6)
        covered = sum(1 for t in s.topic_names if s.per_topic.get(t))
        self.query_one("#topics-numbers", Static).update(
            _("topics covered: {covered} of {total}").format(covered=covered, total=len(s.topic_names)) + "\n"
            + _("least covered:") + "\n" + "\n".join(f"  {n:>5}  {s.topic_names.get(t, t)[:30]}" for t, n in least))

    def _review(self, s: Stats) -> None:
        n = s.samples or 1
        kinds = ("pending", "approved", "rejected", "edited")
        width = max(9, *(cell_len(word(k)) for k in kinds))
        lines = [f"{word(k)}{' ' * (width - cell_len(word(k)))} {s.review[k]:>7}  {s.review[k] / n:6.1%}" for k in kinds]
        self.query_one("#review-numbers", Static).update(_("Review progress") + "\n" + "\n".join(lines))
        self.query_one("#floors", Static).update(
            _("Lowest rubric limit per sample") + "\n" + "\n".join(f"  {f}: {s.floors[f]}" for f in (1, 2, 3)))

    def _agreement(self, lines: list[str]) -> None:
        """How far reviewers agree (as `studio review stats` prints it; "—" where a figure is not earned yet)."""
        self.query_one("#agreement", Static).update(_("Agreement between reviewers") + "\n" + "\n".join(lines))

    def _cost(self, s: Stats) -> None:
        table = Table(_("provider · role"), _("calls"), _("tokens"), _("cost"), title=_("Cost and tokens"), box=None)
        for name, row in s.by_role.items():
            table.add_row(name, str(int(row["calls"])), f"{int(row['tokens']):,}", f"{row['cost']:.4f}")
        total = s.ledger.get("total", {})
        p50, p95 = total.get("latency_p50_s"), total.get("latency_p95_s")
        errors = ", ".join(f"{k} {v}" for k, v in (total.get("errors_by_kind") or {}).items()) or _("none")
        table.caption = heading(_("latency p50 {p50} ms · p95 {p95} ms · errors: {errors}").format(
            p50=f"{p50 * 1000 if p50 is not None else 0:.0f}", p95=f"{p95 * 1000 if p95 is not None else 0:.0f}",
            errors=errors))
        self.query_one("#cost", Static).update(table)

    @on(DataTable.RowSelected, "#checks-table")
    def _jump(self, event: DataTable.RowSelected) -> None:
        check = event.row_key.value
        self.app.call_later(self._show_failing, check)

    async def _show_failing(self, check: str) -> None:
        await self.app.switch_mode("samples")
        screen = self.app.screen
        if isinstance(screen, SamplesScreen):
            screen.show_check(check)

    # -- generation runs ------------------------------------------------------------------------------
    def _progress(self, progress: Progress | None) -> None:
        control = self.studio.generation
        panel = self.query_one("#run-panel", Static)
        if control.run is None:
            return
        p = progress or control.last
        head = _("run {run} · {state}").format(run=control.run.id, state=word(control.state))
        if p is None:
            panel.update(head + " · " + _("starting…"))
            return
        faults = " ".join(f"{fault_label(k)} {p.counts.get(k, 0)}/{q}" for k, q in p.quotas.items())
        errors = ", ".join(f"{k} {v}" for k, v in p.errors.items()) or _("no errors")
        eta = _("ETA {seconds}s").format(seconds=f"{p.eta_s:.0f}") if p.eta_s is not None and control.active else ""
        panel.update(head + " · " + _("{done}/{planned} dialogues · failed {failed}").format(
            done=p.completed, planned=p.planned, failed=p.failed) + f" · {eta}\n{faults}\n" + _(
            "calls {calls} · tokens {tokens} · cost {cost} · repairs {repairs} · {errors} · P pause/resume · S stop").format(
            calls=p.calls, tokens=f"{p.tokens_in + p.tokens_out:,}", cost=f"{p.cost:.4f}", repairs=p.repairs, errors=errors))

    def action_generate(self) -> None:
        ws = self.studio.workspace
        values = {"teacher": ws.config.studio.teacher, "student": ws.config.studio.student, "mix": ws.config.mix}
        profiles = sorted(ws.config.providers)
        self.app.push_screen(GenerateForm(values, {"teacher": profiles, "student": profiles}),
                             self._start)  # type: ignore[arg-type]

    def _start(self, values: dict[str, Any] | None) -> None:
        if values is None:
            return
        self.studio.start_generation(run_config(values, self.studio.workspace.config))

    def action_pause(self) -> None:
        self.studio.pause_or_resume()

    def action_stop_run(self) -> None:
        self.studio.stop_generation()

    def action_export(self) -> None:
        self.app.push_screen(ExportForm({"format": "openai", "split": 0.9}), self._export)  # type: ignore[arg-type]

    def _export(self, values: dict[str, Any] | None) -> None:
        if values is None:
            return
        from studio.export.export import export_all
        from studio.export.options import export_options
        from studio.turn.prompts import Prompts

        ws = self.studio.workspace

        def run() -> None:
            opts = export_options(values)
            report, snap = export_all(ws.store, Prompts(ws.root), opts, ws.config.target_mix, ws.exports_dir)
            self.app.call_from_thread(
                notify, self, _("snapshot {snapshot}: {train} train / {eval} eval samples in {folder}; train on it from "
                               "the Jobs pane (5)").format(snapshot=snap.id, train=report.train, eval=report.eval,
                                                           folder=ws.exports_dir / snap.id), timeout=15)

        self.studio.write(run)
