"""``studio experiment``: the tutorial's experiment end to end (studio.evaluate.experiment)."""

from __future__ import annotations

import argparse
import sys

from studio.cli.common import CliError, fail, print_json, print_table, status_label, workspace
from studio.cli.train import stop_jobs
from studio.domain.messages import Message, said
from studio.evaluate.experiment import Experiment, ExperimentError, Progress, plan, start
from studio.evaluate.experiment_state import Settings, State, all_states, load, save
from studio.evaluate.experiment_table import folder_of, markdown
from studio.evaluate.recipes import RECIPES
from studio.i18n import N_, _, told
from studio.train.smol import SmolModelError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("experiment")
    p.add_argument("--recipe", choices=tuple(RECIPES), default="cpu",
                   help=_("cpu: SmolLM2-135M on compact prompts, within an hour on 2 cores; gpu: the tutorial's grid "
                          "(full and LoRA × learning rate × epochs) on full prompts"))
    p.add_argument("--snapshot", help=_("train on this export snapshot instead of generating data"))
    p.add_argument("--dialogues", type=int, help=_("dialogues to generate (default: the recipe's)"))
    p.add_argument("--base-model", help=_("a local model folder (default: SmolLM2-135M-Instruct from its package)"))
    p.add_argument("--backend", choices=("local", "llamafactory"), help=_("who trains (default: the recipe's, local)"))
    p.add_argument("--gpus", type=int, default=1, help=_("GPUs for LLaMA-Factory's torchrun launch (gpu recipe)"))
    p.add_argument("--judge", help=_("a provider profile that scores reply, suggestion and analysis"))
    p.add_argument("--items", type=int, help=_("eval turns (default: the recipe's)"))
    p.add_argument("--seed", type=int, default=0,
                   help=_("seed of the data, the split, the eval set and the training (default 0)"))
    p.add_argument("--new", action="store_true", help=_("start afresh instead of resuming an unfinished experiment"))
    p.add_argument("--dry-run", action="store_true", help=_("print the plan with its estimated time; run nothing"))
    p.add_argument("--show", nargs="?", const="", metavar="ID",
                   help=_("print an experiment's table (default: the newest)"))
    p.add_argument("--list", action="store_true", help=_("list the experiments in this workspace"))
    p.add_argument("--json", action="store_true", help=_("print stable JSON"))
    p.set_defaults(handler=cmd_experiment)


def _minutes(seconds: float) -> str:
    if seconds >= 60:
        return _("{n} min").format(n=f"{seconds / 60:.1f}")
    return _("{n} s").format(n=f"{seconds:.0f}")


class Reporter:
    """One line per step on a pipe; on a terminal the line is redrawn with the step's share and the ETA."""

    def __init__(self, quiet: bool) -> None:
        self.quiet, self.tty, self.last = quiet, sys.stderr.isatty(), ""

    def __call__(self, p: Progress) -> None:
        if self.quiet:
            return
        eta = _("ETA {time}").format(time=_minutes(p.eta_s))
        line = f"{told(p.label)} · {p.fraction:.0%}{' · ' + p.note if p.note else ''} · {eta}"
        if self.tty:
            print("\r\x1b[2K" + line[:200], end="", file=sys.stderr, flush=True)
        elif p.step != self.last:
            print(line, file=sys.stderr, flush=True)
        self.last = p.step

    def done(self) -> None:
        if self.tty and not self.quiet:
            print(file=sys.stderr)


def cmd_experiment(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        if args.list:
            states = all_states(ws)
            if args.json:
                print_json([s.model_dump(mode="json") for s in states])
            else:
                print_table([_("experiment"), _("recipe"), _("status"), _("snapshot"), _("runs trained"), _("time")],
                            [(s.id, s.settings.recipe, status_label(s.status), s.snapshot or "—", len(s.jobs),
                              _minutes(sum(s.seconds.values()))) for s in states])
            return 0
        if args.show is not None:
            return _show(ws, args.show, args.json)
        gpu_options = args.gpus
        if gpu_options < 1:
            raise CliError(Message("experiment.gpus-min", N_("--gpus: at least 1, got {n}"), n=gpu_options))
        settings = Settings(recipe=args.recipe, snapshot=args.snapshot, dialogues=args.dialogues,
                            base_model=args.base_model, backend=args.backend, judge=args.judge, gpus=args.gpus,
                            seed=args.seed, items=args.items)
        state, resumed = start(ws, settings, new=args.new)
        steps = plan(ws, settings)
        if args.dry_run:
            total = sum(s.estimate_s for s in steps)
            if args.json:
                print_json({"steps": [{"step": s.key, "what": str(s.label), "estimate_s": round(s.estimate_s)}
                                      for s in steps],
                            "estimate_s": round(total), "resumes": state.id if resumed else None})
            else:
                print_table([_("step"), _("what"), _("estimate")],
                            [(s.key, told(s.label), _minutes(s.estimate_s)) for s in steps])
                print((_("estimated total: {time} (resumes {id})") if resumed else _("estimated total: {time}")).format(
                    time=_minutes(total), id=state.id))
            return 0
        reporter = Reporter(quiet=args.json)
        if not args.json:
            line = (_("resuming experiment {id} (recipe {recipe}); estimated {time}") if resumed else
                    _("starting experiment {id} (recipe {recipe}); estimated {time}"))
            print(line.format(id=state.id, recipe=args.recipe, time=_minutes(sum(s.estimate_s for s in steps))),
                  file=sys.stderr)
        try:
            state = Experiment(ws, state, reporter, steps).run()
        except KeyboardInterrupt:
            reporter.done()
            stop_jobs(ws, list(state.jobs.values()))  # a fine-tune under way stops too; a resume retries it
            print("\n" + _("stopped; what finished is kept. Resume with the same command (experiment {id})").format(
                id=state.id), file=sys.stderr)
            return 130
        except (ExperimentError, SmolModelError) as exc:
            reporter.done()
            return fail(CliError(Message("experiment.failed", N_("experiment {id}: {problem}"), id=state.id,
                                         problem=said(exc))), 1)
        reporter.done()
        if args.json:
            print_json(state.results)
        else:
            print(markdown(state.results))
            print(_("written beside the snapshot: {folder}/experiment-{id}.md and .json").format(
                folder=folder_of(ws, state), id=state.id), file=sys.stderr)
    return 0


def _show(ws, experiment_id: str, as_json: bool) -> int:
    states = all_states(ws)
    if not states:
        raise CliError(Message("experiment.none", N_("no experiments in this workspace (run: studio experiment "
                                                     "--recipe cpu)")))
    state: State = load(ws, experiment_id) if experiment_id else states[-1]
    if not state.results and state.evals:
        from studio.evaluate.experiment_table import results

        state.results = results(ws, state)  # an experiment still running: the table so far
        save(ws, state)
    if as_json:
        print_json(state.model_dump(mode="json"))
    elif state.results:
        print(markdown(state.results))
        if state.status != "succeeded":
            print(_("(experiment {status}: the table so far)").format(status=status_label(state.status)))
    else:
        print(_("experiment {id}: {status}, nothing evaluated yet").format(id=state.id, status=status_label(state.status)))
    return 0
