"""Blind review: two runs' answers to one item side by side (stacked on a narrow terminal), the
model names hidden until the vote is in; then they are shown in place and the next item waits
for a key, so the view never jumps away from what was just judged."""

from __future__ import annotations

import random
from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, VerticalScroll
from textual.events import Resize
from textual.screen import Screen

from studio.domain import EvalItem, EvalRun, HumanVote
from studio.domain.text import visible
from studio.i18n import _
from studio.ui.safe import Static, Text, heading, notify
from studio.ui.screens.base import PaneFooter
from studio.ui.widgets.answer_fields import answer_table, values_of
from studio.ui.widgets.turns import ROLES

RATE = ("reply", "suggestion", "analysis")
RATE_NAMES = {"reply": _("reply"), "suggestion": _("suggestion"), "analysis": _("analysis")}
WIDE = 100  # columns from which the two answers sit side by side


class BlindReview(Screen[None]):
    """Votes on ``items`` for the runs ``pair``; ``save`` stores each vote as it is made."""

    BINDINGS = [
        Binding("1", "vote('1')", _("Answer 1 / 1"), id="review.one"),
        Binding("2", "vote('2')", _("Answer 2 / 2"), id="review.two"),
        Binding("3", "vote('3')", "3", id="review.three"),
        Binding("equals_sign", "vote('=')", _("Tie"), id="review.tie"),
        Binding("n,enter", "next", _("Next item"), id="review.next"),
        Binding("escape", "leave", _("Leave review"), id="review.leave"),
    ]

    def __init__(self, items: list[EvalItem], pair: tuple[EvalRun, EvalRun], reviewer: str,
                 save: Callable[[HumanVote], None]) -> None:
        super().__init__()
        self.queue, self.pair, self.reviewer, self.save = list(items), pair, reviewer, save
        self.shown: tuple[EvalRun, EvalRun] = pair
        self.answers: list[str] = []
        self.revealed = False  # the vote on the current item is in: names are shown
        self.done = 0
        self.text = ""  # everything on screen, in plain text (for tests and screen readers)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="review-context"):  # the dialogue so far: its end (the student line) in view
            yield Static("", id="review-context-text")
        with Container(id="review-answers"):
            with VerticalScroll(id="review-a", classes="answer"):
                yield Static("", id="review-a-text")
            with VerticalScroll(id="review-b", classes="answer"):
                yield Static("", id="review-b-text")
        yield Static("", id="review-ask")
        yield PaneFooter()

    def on_mount(self) -> None:
        self._layout(self.app.size.width)
        self._start_item()

    def on_resize(self, event: Resize) -> None:
        self._layout(event.size.width)

    def _layout(self, width: int) -> None:
        self.query_one("#review-answers").set_class(width < WIDE, "stacked")

    # -- one item -----------------------------------------------------------------------------------
    def _start_item(self) -> None:
        if not self.queue:
            self.dismiss(None)
            return
        item = self.queue[0]
        a, b = self.pair
        flip = random.Random(f"{self.reviewer}:{item.id}").random() < 0.5
        self.shown = (b, a) if flip else (a, b)
        self.answers, self.revealed = [], False
        self._draw()

    def _ask(self) -> str:
        step = len(self.answers)
        if self.revealed:
            first, second = self.shown
            return _("Saved. Answer 1 was {first}, answer 2 was {second}. n or Enter: next item ({n} left) · Escape "
                     "leaves").format(first=first.model, second=second.model, n=len(self.queue) - 1)
        if step == 0:
            return _("Which answer is better? 1, 2, or = for a tie   (Escape leaves the review)")
        which = 1 if step <= 3 else 2
        return _("Rate answer {n}'s {dimension}: 1, 2 or 3").format(n=which, dimension=RATE_NAMES[RATE[(step - 1) % 3]])

    def _draw(self) -> None:
        item = self.queue[0]
        lines = [Text(_("Blind review · {n} left · topic: {topic}").format(n=len(self.queue), topic=visible(item.topic[:70])),
                      style="bold")]
        for role, said in item.history:
            lines.append(Text(f"{ROLES.get(role, role)}: {visible(said)}", style="cyan" if role == "student" else "green"))
        self.query_one("#review-context-text", Static).update(Text("\n").join(lines))
        context = self.query_one("#review-context", VerticalScroll)
        self.call_after_refresh(context.scroll_end, animate=False, immediate=True)
        texts = []
        for n, run, box in ((1, self.shown[0], "a"), (2, self.shown[1], "b")):
            result = run.results[item.id]
            name = f" — {run.model}" if self.revealed else ""
            panel = self.query_one(f"#review-{box}", VerticalScroll)
            title = _("Answer {n}").format(n=n) + name
            panel.border_title = heading(title)
            fields, _why = values_of(result.raw) if result.raw else (None, "")
            if fields is not None:  # the answer by field, as the Samples detail shows it
                grid, plain = answer_table(fields["reply"], [fields[f"suggestion{i}"] for i in (1, 2, 3)
                                                             if fields[f"suggestion{i}"]],
                                           fields["analysis"] if '"Analysis"' in result.raw else None, ())
                self.query_one(f"#review-{box}-text", Static).update(grid)
                body = "\n".join(plain)
            else:
                body = visible(result.raw) or _("(no answer: {error})").format(error=result.error)
                self.query_one(f"#review-{box}-text", Static).update(body)
            texts.append(f"{title}\n{body}")
        ask = self._ask()
        self.query_one("#review-ask", Static).update(Text(ask, style="bold yellow"))
        self.text = "\n".join([*(t.plain for t in lines), *texts, ask])
        self.refresh_bindings()

    def action_vote(self, key: str) -> None:
        """Every key stays here: a key that does not apply now is refused with a word, never passed
        on to the studio's pane switching (1–3 are pane keys elsewhere)."""
        if self.revealed or not self.queue:
            notify(self, _("the vote is in: n or Enter for the next item"), severity="information")
            return
        step = len(self.answers)
        if (step == 0 and key not in ("1", "2", "=")) or (step > 0 and key not in ("1", "2", "3")):
            notify(self, _("1, 2 or = for the preference; then 1–3 per dimension"), severity="warning")
            return
        self.answers.append(key)
        if len(self.answers) == 7:
            item = self.queue[0]
            first, second = self.shown
            scores = {first.id: {d: int(self.answers[1 + i]) for i, d in enumerate(RATE)},
                      second.id: {d: int(self.answers[4 + i]) for i, d in enumerate(RATE)}}
            self.save(HumanVote(set_id=first.set_id, item_id=item.id, runs=(first.id, second.id),
                                preferred=self.answers[0], scores=scores, reviewer=self.reviewer))  # type: ignore[arg-type]
            self.done += 1
            self.revealed = True
        self._draw()

    def action_next(self) -> None:
        if not self.revealed:
            return
        self.queue.pop(0)
        self._start_item()

    def action_leave(self) -> None:
        self.dismiss(None)
