"""The Eval pane: the comparison table, per-fault breakdown, where models differ, and blind review."""

from __future__ import annotations

import random
from typing import Any

from rich import box
from rich.console import Group
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll

from studio.config import ConfigError
from studio.domain import EvalItem, EvalRun, EvalSet, HumanVote
from studio.domain.text import visible
from studio.evaluate import experiment_state, experiment_table, runner
from studio.evaluate import report as reports
from studio.evaluate.options import make_or_import
from studio.i18n import _, ngettext
from studio.synth.review import author_name
from studio.turn.prompts import Prompts
from studio.turn.shown import fault_label
from studio.ui.modals.command_forms import EvalMakeForm, EvalRunForm
from studio.ui.safe import Static, Table, Text, heading, notify, one_line
from studio.ui.screens.base import Pane
from studio.ui.screens.blind_review import BlindReview
from studio.ui.words import word


class EvalScreen(Pane):
    TITLE_TEXT = _("Eval")
    MODE = "eval"
    AUTO_FOCUS = "#eval-body"
    USES = (VerticalScroll, Static)
    HELP = _("Evaluation runs side by side: the rubric table (compliance from the checks; reply, suggestion and analysis"
             " from the judge, capped by the checks — without a judge they show '—' and the most the checks allow, '≤ "
             "n', and a line says no judge was used; another says whose verdict decided whether the student went off "
             "topic, the judge's where it gave one, else the offline check, and how often the two agree), JSON validity,"
             " check pass rates, errors (failed calls: 1 on every dimension), latency (each call's own) and cost per "
             "1,000 turns; the per-fault breakdown; the items where the models differ most (hidden until your blind "
             "review of the two newest runs is done); and the tuned models' lineage. `s` changes the eval set. `v` opens"
             " the blind review: two answers side by side (stacked on a narrow terminal) with the model names hidden; "
             "press 1 or 2 for the better answer (= for a tie), then rate answer 1's reply, suggestion and analysis and "
             "then answer 2's with 1–3. Once the vote is in the names are shown in place; n or Enter goes on, Escape "
             "leaves. With a judge, its agreement with your preferences shows in the table's caption. Runs are made with"
             " `studio eval run --model PROFILE --judge PROFILE`. At the top: the newest `studio experiment` — the base"
             " model and each tuned run on the held-out topics, with JSON validity, every-check pass rate, the rubric and"
             " the pass rate per fault kind (base/run/run …).")
    BINDINGS = [
        Binding("s", "next_set", _("Set"), id="eval.set"),
        Binding("v", "review", _("Blind review"), id="eval.review"),
        Binding("m", "make_set", _("Make set"), id="eval.make"),
        Binding("r", "run_model", _("Run model"), id="eval.run"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sets: list[EvalSet] = []
        self.set_index = 0
        self.runs: list[EvalRun] = []
        self.votes: list[HumanVote] = []
        self.reviewing = False
        self.caption = ""  # the table's caption (votes, judge agreement), kept for tests
        self.report: dict = {"runs": []}  # what the table shows
        self.notes: list[str] = []  # what the numbers are, in words (no judge, errors)
        self.diffs_hidden = False  # the "differ" section waits for the blind review
        self.progress = ""  # the eval run in flight, as the status line shows it
        self.running: str | None = None  # the run id in flight
        self.experiment: dict | None = None  # the newest experiment's table, as shown

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with VerticalScroll(id="eval-body"):
            experiment = Static("", id="eval-experiment")
            experiment.display = False  # shown once there is an experiment
            yield experiment
            yield Static("", id="eval-table")
            yield Static("", id="eval-faults")
            yield Static("", id="eval-diffs")
        yield Static("", id="eval-status", classes="status")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.load()

    def store_changed(self, changes: set[tuple[str, str | None]]) -> None:
        if any(table in ("evals", "eval_sets") for table, _item in changes) and not self.reviewing:
            self.load()

    # -- data and the report ----------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="eval-load", exit_on_error=False)
    def load(self) -> None:
        sets = sorted(self.store.eval_sets.all(), key=lambda s: s.created, reverse=True)
        runs = sorted(self.store.evals.all(), key=lambda r: r.created)
        votes = self.store.votes.all()
        experiment = self._experiment()
        self.app.call_from_thread(self._show, sets, runs, votes)
        self.app.call_from_thread(self._show_experiment, experiment)

    def _experiment(self) -> dict | None:
        """The newest experiment's table (``studio experiment``), computed so far if it has not finished."""
        states = experiment_state.all_states(self.studio.workspace)
        if not states:
            return None
        state = states[-1]
        res = state.results or (experiment_table.results(self.studio.workspace, state) if state.evals else {})
        return {"id": state.id, "status": state.status, "recipe": state.settings.recipe, "results": res,
                "error": state.error}

    def _show_experiment(self, experiment: dict | None) -> None:
        box_ = self.query_one("#eval-experiment", Static)
        self.experiment = experiment
        box_.display = experiment is not None
        if experiment is None:
            return
        res = experiment["results"]
        if res:
            title = _("Experiment {id} (recipe {recipe}, {status}, {minutes} min)").format(
                id=experiment["id"], recipe=experiment["recipe"], status=word(experiment["status"]),
                minutes=f"{res['wall_s'] / 60:.0f}")
        else:
            title = _("Experiment {id} (recipe {recipe}, {status})").format(
                id=experiment["id"], recipe=experiment["recipe"], status=word(experiment["status"]))
        if not res or not res.get("rows"):
            box_.update(Text(visible(_("{title}: nothing evaluated yet").format(title=title) + (
                f" — {experiment['error']}" if experiment["error"] else "")), style="dim"))
            return
        t = Table(title=visible(title), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0))
        t.add_column(_("model"), overflow="fold", min_width=10)
        for head in (_("prompt"), "JSON", _("pass"), _("compl."), _("reply"), _("sugg."), _("anal.")):
            t.add_column(head, overflow="fold")
        for row in res["rows"]:
            g = row["rubric"]
            t.add_row(visible(row["model"]) + (" ★" if row["key"] == res.get("best") else ""), row["prompt"],
                      f"{row['json_valid']:.0%}", f"{row['pass_rate']:.0%}",
                      *(f"{g[d]:.2f}" if g.get(d) is not None else "—"
                        for d in ("compliance", "reply", "suggestion", "analysis")))
        faults = [f for f in experiment_table.FAULT_ORDER if any(f in r["by_fault"] for r in res["rows"])]
        lines = [Text(_("pass per fault: ") + " · ".join(
            f"{fault_label(f)} " + "/".join(f"{r['by_fault'][f]['pass']:.0%}" if f in r["by_fault"] else "—" for r in res["rows"])
            for f in faults), style="dim"),
            Text(visible(sorted({r["rubric_source"] for r in res["rows"]})[0]), style="dim")]
        box_.update(Group(t, *lines))

    def _current_set(self) -> EvalSet | None:
        return self.sets[self.set_index % len(self.sets)] if self.sets else None

    def _show(self, sets: list[EvalSet], runs: list[EvalRun], votes: list[HumanVote]) -> None:
        self.sets, self.votes = sets, votes
        current = self._current_set()
        table, faults, diffs = self.query_one("#eval-table", Static), self.query_one("#eval-faults", Static), \
            self.query_one("#eval-diffs", Static)
        if current is None:
            table.update(_("No eval sets yet. Make one from held-out dialogues, then run models on it:") + "\n"
                         "  studio eval make --n 50 --snapshot S\n  studio eval run --model offline --judge offline")
            return
        latest = {r.model: r for r in runs if r.set_id == current.id}
        self.runs = list(latest.values())
        rep = self.report = reports.report(self.runs, {current.id: current}, votes)
        items = len(current.items)
        t = Table(title=ngettext("Eval set {name} ({id}, {n} item, {source})", "Eval set {name} ({id}, {n} items, {source})",
                                 items).format(name=current.name, id=current.id, n=items, source=current.source),
                  title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0))
        t.add_column(_("model"), overflow="fold", min_width=10)  # a name is never cut short, it wraps
        for head in (_("compl."), _("reply"), _("sugg."), _("anal."), "JSON", _("pass"), _("err."), "p50/p95 s",
                     _("cost/1k")):
            t.add_column(head, overflow="fold")
        for s in rep["runs"]:
            p50, p95 = s["latency_p50_s"], s["latency_p95_s"]
            t.add_row(s["model"] + ("" if s["judge"] else " " + _("(no judge)")), *(reports.cell(s, d, 1) for d in reports.DIMS),
                      f"{s['json_valid']:.0%}", f"{s['pass_rate']:.0%}", str(s["errors"]),
                      f"{p50:.2f}/{p95:.2f}" if p50 is not None and p95 is not None else "—",
                      f"{s['cost_per_1000']:.4f}")
        human = rep["human"]
        agree = human["preference_agreement"]
        self.caption = one_line(_("human votes {n}").format(n=human["votes"]) + (
            " · " + _("judge agrees with the preference {share}").format(share=f"{agree:.0%}") if agree is not None
            else "") + " · " + _("s: next set · v: review"))
        t.caption = heading(self.caption)
        self.notes = reports.notes(rep)
        lineage = [_("{model}: job {job} ({method} on {base}), snapshot {snapshot}").format(
            model=s["model"], job=s["lineage"]["job"], method=s["lineage"]["method"], base=s["lineage"]["base_model"],
            snapshot=s["lineage"]["snapshot"]) for s in rep["runs"] if s["lineage"].get("kind") == "tuned"]
        table.update(Group(t, *(Text(line, style="yellow") for line in self.notes),
                           *(Text(line, style="dim") for line in lineage)) if self.runs else
                     _("No runs on set {id} yet: studio eval run --model PROFILE --set {id}").format(id=current.id))
        faults.update(self._fault_table(rep))
        pair = self._review_pair()
        pending = self._unreviewed(current, pair, votes) if pair else []
        self.diffs_hidden = bool(pending)
        if pending:  # names beside answers would unblind the review: shown once it is done
            diffs.update(Text(ngettext(
                "Where the models differ: hidden until your blind review of the two newest runs is done ({n} item "
                "left; v starts it).", "Where the models differ: hidden until your blind review of the two newest runs "
                "is done ({n} items left; v starts it).", len(pending)).format(n=len(pending)), style="dim"))
        else:
            diffs.update(self._diffs(rep["differences"].get(current.id, [])))
        self.query_one("#eval-status", Static).update(
            self.progress if self.running else ngettext(
                "{n} model on this set · m: make a set · r: run a model",
                "{n} models on this set · m: make a set · r: run a model", len(self.runs)).format(n=len(self.runs)))

    def _fault_table(self, rep: dict) -> Table:
        t = Table(title=_("Per fault: reply/suggestion/analysis · pass"), title_justify="left", box=box.SIMPLE_HEAD,
                  pad_edge=False, padding=(0, 1, 0, 0))
        for head in (_("fault"), *(s["model"] for s in rep["runs"])):
            t.add_column(head, overflow="fold")
        for f in sorted({f for s in rep["runs"] for f in s["by_fault"]}):
            cells = []
            for s in rep["runs"]:
                cells.append(reports.fault_cell(s["by_fault"].get(f), 1))
            t.add_row(fault_label(f), *cells)
        return t

    def _diffs(self, diffs: list[dict]) -> Group:
        parts: list[Text] = [Text(_("Where the models differ most"), style="bold")] if diffs else []
        for d in diffs:
            parts.append(Text(_("{item} · {fault} · student: {said}").format(
                item=d["item"], fault=fault_label(d["fault"]), said=d["student"] or _("(opening)")), style="italic"))
            for a in d["answers"]:
                said = reports.verdicts_text(a["off_topic"])
                parts.append(Text("  " + _("{model} (total {total}; failed {failed}{verdicts}): {answer}").format(
                    model=a["model"], total=a["total"], failed=", ".join(a["failed"]) or _("none"),
                    verdicts="; " + said if said else "", answer=visible(a["raw"][:240]))))
        return Group(*parts)

    def action_next_set(self) -> None:
        self.set_index += 1
        self.load()

    # -- blind review -------------------------------------------------------------------------------
    @property
    def reviewer(self) -> str:
        return author_name(self.studio.workspace.config.studio.reviewer)

    def _review_pair(self) -> tuple[EvalRun, EvalRun] | None:
        return (self.runs[-2], self.runs[-1]) if len(self.runs) >= 2 else None

    def _unreviewed(self, current: EvalSet, pair: tuple[EvalRun, EvalRun], votes: list[HumanVote]) -> list[EvalItem]:
        a, b = pair
        done = {v.item_id for v in votes if v.set_id == current.id and set(v.runs) == {a.id, b.id}
                and v.reviewer == self.reviewer}
        return [i for i in current.items if i.id in a.results and i.id in b.results and i.id not in done]

    def action_review(self) -> None:
        current, pair = self._current_set(), self._review_pair()
        if current is None or pair is None:
            notify(self, _("a blind review needs two runs on this eval set (studio eval run --model …)"), severity="warning")
            return
        items = self._unreviewed(current, pair, self.votes)
        random.Random(f"{self.reviewer}:{current.id}").shuffle(items)
        if not items:
            notify(self, _("every item of this pair is reviewed"), severity="information")
            return
        store = self.store

        def save(vote: HumanVote) -> None:
            self.votes.append(vote)

            def write() -> None:
                store.votes.put(vote)
                store.flush()

            self.studio.write(write)

        self.reviewing = True
        self.app.push_screen(BlindReview(items, pair, self.reviewer, save), self._reviewed)

    def _reviewed(self, _: None = None) -> None:
        self.reviewing = False
        self.load()

    # -- make a set, run a model ----------------------------------------------------------------------
    def action_make_set(self) -> None:
        self.app.push_screen(EvalMakeForm(), self._make)  # type: ignore[arg-type]

    def _make(self, values: dict[str, Any] | None) -> None:
        if values is not None:
            self._make_worker(values)

    @work(thread=True, exclusive=True, group="eval-make", exit_on_error=False)
    def _make_worker(self, values: dict[str, Any]) -> None:
        ws = self.studio.workspace
        try:
            made = make_or_import(ws.store, Prompts(ws.root), values)
        except (LookupError, ValueError) as exc:
            self.studio.failed(_("making the eval set"), exc)
            return
        self.app.call_from_thread(self._made, made)

    def _made(self, made: EvalSet) -> None:
        self.set_index = 0  # the newest set comes first
        notify(self, ngettext("eval set {id}: {n} item from {source}", "eval set {id}: {n} items from {source}",
                             len(made.items)).format(id=made.id, n=len(made.items), source=made.source))
        self.load()

    def action_run_model(self) -> None:
        if self.running:
            notify(self, _("eval run {run} is in flight: {progress}").format(run=self.running, progress=self.progress),
                        severity="warning")
            return
        current = self._current_set()
        if current is None:
            notify(self, _("make an eval set first: m"), severity="warning")
            return
        config = self.studio.workspace.config
        form = EvalRunForm({"model": config.studio.teacher, "set_id": current.id},
                           {"judge": sorted(config.providers)})
        self.app.push_screen(form, self._run)  # type: ignore[arg-type]

    def _run(self, values: dict[str, Any] | None) -> None:
        if values is None:
            return
        ws = self.studio.workspace
        set_id = values["set_id"] or (self.sets[0].id if self.sets else "")
        try:
            run = runner.start_run(ws, set_id, values["model"], values["judge"])
        except (LookupError, ConfigError) as exc:
            notify(self, str(exc), severity="error")
            return
        current = ws.store.eval_sets.get(set_id)
        assert current is not None  # start_run found it
        self.running = run.id
        total = len(current.items)
        self._progress(runner.EvalProgress(run.id, len(run.results), total, 0, 0.0))

        def progress(p: runner.EvalProgress) -> None:  # on the model loop's thread
            self.app.call_from_thread(self._progress, p)

        future = self.studio.runner.submit(runner.execute(ws, run, concurrency=values["concurrency"],
                                                          on_progress=progress))

        def done(f) -> None:
            exc = f.exception()
            self.app.call_from_thread(self._finished, run.id, exc)

        future.add_done_callback(done)

    def _progress(self, p: runner.EvalProgress) -> None:
        width = 20
        filled = int(width * p.done / p.total) if p.total else width
        self.progress = _("eval run {run}: {bar} {done}/{total} · errors {errors} · {seconds}s").format(
            run=p.run_id, bar="█" * filled + "░" * (width - filled), done=p.done, total=p.total, errors=p.errors,
            seconds=f"{p.elapsed_s:.0f}")
        self.query_one("#eval-status", Static).update(self.progress)

    def _finished(self, run_id: str, exc: BaseException | None) -> None:
        self.running = None
        run = self.store.evals.get(run_id)
        if exc is not None:
            self.progress = _("eval run {run} failed: {error}").format(run=run_id, error=exc)
            self.studio.failed(_("eval run {run}").format(run=run_id), exc)
        else:
            status = run.status.value if run else "?"
            self.progress = _("eval run {run} {status}").format(run=run_id, status=word(status)) + (
                f": {run.error}" if run and run.error else "")
            notify(self, self.progress, severity="information" if status == "succeeded" else "warning")
        self.query_one("#eval-status", Static).update(self.progress)
        self.load()
