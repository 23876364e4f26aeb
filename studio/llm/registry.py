"""Build providers and clients from profiles (config) and secrets (environment or 0600 file)."""

from __future__ import annotations

from pathlib import Path

from studio.config import Config, ConfigError, ProviderProfile, Secrets
from studio.llm.base import Provider
from studio.llm.client import CallLimits, LLMClient, RetryPolicy
from studio.llm.limits import Clock, Limiter
from studio.llm.local_model import TransformersProvider
from studio.llm.offline import OfflineProvider, default_error_rate
from studio.llm.offline.banks import off_topic_lines
from studio.llm.openai import OpenAIProvider, QianfanProvider
from studio.llm.prices import load_table, price_for
from studio.llm.qianfan_v1 import QianfanV1Provider
from studio.store import Store

DEFAULT_KEY_ENV = {"openai": "OPENAI_API_KEY", "qianfan": "QIANFAN_API_KEY", "qianfan-v1": "QIANFAN_API_KEY"}


def public_endpoint(profile: ProviderProfile) -> bool:
    return profile.base_url is None or profile.base_url.rstrip("/") == OpenAIProvider.default_base_url


def _key(name: str, profile: ProviderProfile, secrets: Secrets, *, required: bool) -> str | None:
    if profile.kind == "openai" and not profile.api_key_env and not public_endpoint(profile):
        return None  # OPENAI_API_KEY goes to api.openai.com only; another server gets the key its profile names
    env = profile.api_key_env or DEFAULT_KEY_ENV[profile.kind]
    if required:
        return secrets.require(env, f"provider '{name}' ({profile.kind})")
    return secrets.get(env)


def build_provider(name: str, profile: ProviderProfile, secrets: Secrets, *, seed: int = 0,
                   workspace: Path | None = None) -> Provider:
    common = {"timeout": profile.timeout, "concurrency": profile.concurrency}
    if profile.kind == "offline":
        rate = profile.error_rate if profile.error_rate is not None else default_error_rate()
        return OfflineProvider(name, profile.model or "offline-simulator", seed=seed, latency=profile.latency,
                               error_rate=rate, off_topic=off_topic_lines(workspace))
    if profile.kind == "openai":
        # A local server (vLLM, Ollama, llama.cpp) usually needs no key; the public API does.
        key = _key(name, profile, secrets, required=public_endpoint(profile))
        return OpenAIProvider(name, profile.model, base_url=profile.base_url, api_key=key, **common)
    if profile.kind == "qianfan":
        key = _key(name, profile, secrets, required=True)
        return QianfanProvider(name, profile.model, base_url=profile.base_url, api_key=key, appid=profile.appid, **common)
    if profile.kind == "qianfan-v1":
        key = _key(name, profile, secrets, required=True)
        secret = secrets.require(profile.secret_key_env or "QIANFAN_SECRET_KEY", f"provider '{name}' (qianfan-v1)")
        try:
            return QianfanV1Provider(name, profile.model, api_key=key or "", secret_key=secret, endpoint=profile.endpoint,
                                     base_url=profile.base_url, **common)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    if profile.kind == "transformers":
        if not profile.model:
            raise ConfigError(f"provider '{name}': a transformers profile needs model = \"/path/to/model\"")
        return TransformersProvider(name, profile.model, batch=profile.concurrency)
    raise ConfigError(f"provider '{name}': unknown kind '{profile.kind}'")


def job_profile(name: str, workspace: Path | None, store: Store | None) -> ProviderProfile:
    """``job:<id>``: the finished job's output, as a local transformers model (one at a time)."""
    job = store.jobs.get(name[4:]) if store is not None else None
    if job is None:
        raise ConfigError(f"no job {name[4:]} (see: studio train list)")
    folder = job.result.get("output_dir")
    if not folder:
        raise ConfigError(f"job {job.id} has no local model output ({job.status.value}; back-end {job.backend}); "
                          "a platform model is used through its provider profile")
    # Eight at a time: the provider answers requests that arrive together as one batch. A CPU takes
    # minutes for a batch, and nothing streams until it is done: hence the long timeout.
    return ProviderProfile(kind="transformers", model=folder, concurrency=8, retries=0, timeout=900)


def local_profile(name: str) -> ProviderProfile:
    """``local:<folder>``: a transformers model folder on this machine, asked with the full prompt."""
    folder = name.removeprefix("local:")
    if not folder or not Path(folder).is_dir():
        raise ConfigError(f"{name}: no model folder {folder or '(empty)'}")
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
