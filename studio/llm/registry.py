"""Build providers and clients from profiles (config) and secrets (environment or 0600 file).

Each provider kind is one class registered in :data:`studio.llm.kinds.KINDS`; this module imports
every kind's module, so asking it (``kind_class``, ``check_profile``, ``build_provider``) sees them all.
"""

from __future__ import annotations

from pathlib import Path

from studio.config import Config, ConfigError, ProviderProfile, Secrets
from studio.domain.messages import N_, Message, said
from studio.llm import local_model, offline, openai, qianfan_v1  # noqa: F401 - each module registers its kinds
from studio.llm.base import Provider
from studio.llm.client import CallLimits, LLMClient, RetryPolicy
from studio.llm.kinds import KINDS, ProviderKind
from studio.llm.limits import Clock, Limiter
from studio.llm.prices import load_table, price_for
from studio.store import Store


def known_kinds() -> list[str]:
    return sorted(KINDS)


def kind_class(name: str, profile: ProviderProfile) -> type[ProviderKind]:
    """The class registered for the profile's kind, or a ConfigError naming the profile."""
    cls = KINDS.get(profile.kind)
    if cls is None:
        raise ConfigError(Message("provider.unknown-kind", N_("provider '{name}': unknown kind '{kind}' (known: "
                                                              "{known})"),
                                  name=name, kind=profile.kind, known=", ".join(known_kinds())))
    return cls


def check_profile(name: str, profile: ProviderProfile) -> None:
    """Raise a one-line ConfigError naming the profile when its kind is unknown or it is misconfigured."""
    kind_class(name, profile).check_profile(name, profile)


def key_state(name: str, profile: ProviderProfile, secrets: Secrets) -> str:
    """Whether the variables the profile's key is read from are set (never their values)."""
    envs = kind_class(name, profile).key_envs(profile)
    if not envs:
        return "not needed"
    return ", ".join(f"{env} {'set' if secrets.get(env) else 'missing'}" for env in envs)


def build_provider(name: str, profile: ProviderProfile, secrets: Secrets, *, seed: int = 0,
                   workspace: Path | None = None) -> Provider:
    cls = kind_class(name, profile)
    cls.check_profile(name, profile)
    try:
        return cls.from_profile(name, profile, secrets, seed=seed, workspace=workspace)
    except ConfigError:
        raise
    except ValueError as exc:  # a constructor's refusal, said as the profile's problem
        if str(exc).startswith(f"provider '{name}'"):
            raise ConfigError(said(exc)) from None
        raise ConfigError(Message("provider.problem", N_("provider '{name}': {problem}"), name=name,
                                  problem=said(exc))) from None


def job_profile(name: str, workspace: Path | None, store: Store | None) -> ProviderProfile:
    """``job:<id>``: the finished job's output, as a local transformers model (one at a time)."""
    job = store.jobs.get(name[4:]) if store is not None else None
    if job is None:
        raise ConfigError(Message("job.unknown", N_("no job {id} (see: studio train list)"), id=name[4:]))
    folder = job.result.get("output_dir")
    if not folder:
        raise ConfigError(Message("job.no-output", N_("job {id} has no local model output ({status}; back-end "
                                                      "{backend}); a platform model is used through its provider "
                                                      "profile"),
                                  id=job.id, status=job.status.value, backend=job.backend))
    # Eight at a time: the provider answers requests that arrive together as one batch. A CPU takes
    # minutes for a batch, and nothing streams until it is done: hence the long timeout.
    return ProviderProfile(kind="transformers", model=folder, concurrency=8, retries=0, timeout=900)


def local_profile(name: str) -> ProviderProfile:
    """``local:<folder>``: a transformers model folder on this machine, asked with the full prompt."""
    folder = name.removeprefix("local:")
    if not folder or not Path(folder).is_dir():
        raise ConfigError(Message("provider.no-folder", N_("{name}: no model folder {folder}"), name=name,
                                  folder=folder or "(empty)"))
    return ProviderProfile(kind="transformers", model=folder, concurrency=8, retries=0, timeout=900)


def profile_of(config: Config, name: str, store: Store | None = None, workspace: Path | None = None) -> ProviderProfile:
    """A model name's profile: ``job:<id>`` (a finished local job), ``local:<folder>``, or a config profile."""
    if name.startswith("job:"):
        return job_profile(name, workspace, store)
    if name.startswith("local:"):
        return local_profile(name)
    return config.provider(name)


def build_client(config: Config, secrets: Secrets, name: str, *, store: Store | None = None,
                 workspace: Path | None = None, clock: Clock | None = None, seed: int = 0) -> LLMClient:
    profile = profile_of(config, name, store, workspace)
    provider = build_provider(name, profile, secrets, seed=seed, workspace=workspace)
    table = load_table(workspace / "prices.toml" if workspace else None)
    price = price_for(provider.model, table, price_in=profile.price_in, price_out=profile.price_out,
                      currency=profile.currency)
    clock = clock or Clock()
    limiter = Limiter(profile.concurrency, profile.rpm, profile.tpm, clock=clock)
    return LLMClient(provider, store=store, limiter=limiter, retry=RetryPolicy(attempts=profile.retries + 1, base_s=profile.backoff),
                     price=price, clock=clock, scrub=secrets.redact, seed=seed, limits=limits_of(profile))


def limits_of(profile: ProviderProfile) -> CallLimits:
    return CallLimits(max_tokens=profile.max_tokens, first_token_s=profile.timeout,
                      deadline_s=profile.deadline or 3 * profile.timeout, max_answer_chars=profile.max_answer_chars)
