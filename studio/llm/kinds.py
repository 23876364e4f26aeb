"""Provider kinds: each kind is one class, registered here under its name by :func:`register`.

A kind class says everything the rest of the studio asks about a kind: its name (``kind``), the
environment variable its key is read from when a profile names none (``default_key_env``), the
profile keys only it reads (``options``), how a profile is checked (``check_profile``) and how a
provider is built from a profile (``from_profile``). The CLI, the config check and building all ask
:mod:`studio.llm.registry`, which imports every kind's module so that each has registered itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from studio.config import ConfigError, ProviderProfile, Secrets
from studio.domain.messages import N_, Message

if TYPE_CHECKING:
    from studio.llm.base import Provider

#: Profile keys that belong to some kinds only; every other key of a profile applies to all kinds.
KIND_OPTIONS = frozenset({"base_url", "api_key_env", "secret_key_env", "appid", "endpoint", "latency", "error_rate"})

KINDS: dict[str, type[ProviderKind]] = {}

K = TypeVar("K", bound="type[ProviderKind]")


def register(cls: K) -> K:
    """Class decorator: make ``cls`` the provider of profiles with ``kind = cls.kind``."""
    name = cls.kind
    if not name or name in KINDS and KINDS[name] is not cls:
        raise ValueError(f"provider kind {name!r} is registered twice ({KINDS[name].__name__}, {cls.__name__})"
                         if name else f"{cls.__name__} names no kind")
    unknown = cls.options - KIND_OPTIONS
    if unknown:
        raise ValueError(f"{cls.__name__}: {', '.join(sorted(unknown))} are not provider profile keys")
    KINDS[name] = cls
    return cls


class ProviderKind:
    """What every registered provider class declares; the defaults suit a kind that needs no key."""

    kind: str = ""  # a plain attribute, as the Provider protocol reads it
    #: The variable the key is read from when the profile sets no ``api_key_env`` (None: no key).
    default_key_env: ClassVar[str | None] = None
    #: Which of :data:`KIND_OPTIONS` this kind reads (a profile setting another one is refused).
    options: ClassVar[frozenset[str]] = frozenset()
    #: One line for ``studio providers list``.
    summary: ClassVar[str] = ""
    #: Answers by ``ChatRequest.task`` (the offline simulator), so the task is part of its cache key.
    reads_task: ClassVar[bool] = False
    #: Its requests leave this process for a server: personal data is replaced in them first
    #: (:mod:`studio.llm.privacy`).
    sends_text_out: ClassVar[bool] = False

    @classmethod
    def key_envs(cls, profile: ProviderProfile) -> list[str]:
        """The variables a call with this profile needs set (none: no key)."""
        env = profile.api_key_env or cls.default_key_env
        return [env] if env else []

    @classmethod
    def check_profile(cls, name: str, profile: ProviderProfile) -> None:
        """Raise :class:`ConfigError` naming the profile when it cannot work (checked before building)."""
        misplaced = sorted((profile.model_fields_set & KIND_OPTIONS) - cls.options)
        if misplaced:
            owners = {key: sorted(k for k, c in KINDS.items() if key in c.options) for key in misplaced}
            detail = "; ".join(f"{key} is for {', '.join(owners[key]) or 'no kind'}" for key in misplaced)
            raise ConfigError(Message("provider.misplaced", N_("provider '{name}': kind '{kind}' does not read {keys} "
                                                               "({detail})"),
                                      name=name, kind=cls.kind, keys=", ".join(misplaced), detail=detail))

    @classmethod
    def from_profile(cls, name: str, profile: ProviderProfile, secrets: Secrets, *, seed: int = 0,
                     workspace: Path | None = None) -> Provider:
        raise NotImplementedError(f"{cls.__name__} does not say how it is built from a profile")

    @classmethod
    def require_key(cls, name: str, profile: ProviderProfile, secrets: Secrets, env: str | None = None) -> str:
        """The key in ``env`` (default: the profile's one), or a ConfigError naming the profile and variable."""
        env = env or (cls.key_envs(profile) or [""])[0]
        if not env:
            raise ConfigError(Message("provider.no-key-env", N_("provider '{name}' ({kind}) names no key variable: set "
                                                                "api_key_env"), name=name, kind=cls.kind))
        return secrets.require(env, f"provider '{name}' ({cls.kind})")


def common_options(profile: ProviderProfile) -> dict[str, Any]:
    """The connection settings every HTTP kind takes from its profile."""
    return {"timeout": profile.timeout, "concurrency": profile.concurrency,
            "max_body_bytes": profile.max_body_bytes, "max_line_bytes": profile.max_line_bytes}
