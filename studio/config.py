"""Workspace configuration (``config.toml``) and secrets (environment or a 0600 file)."""

from __future__ import annotations

import base64
import json
import os
import stat
import threading
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Literal
from urllib.parse import quote, quote_plus

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from studio.domain import DEFAULT_MIX, Mix, MixError
from studio.domain.messages import N_, Message, said, validation_problem

CONFIG_FILE = "config.toml"
SECRETS_FILE = "secrets.toml"


class ConfigError(ValueError):
    """A configuration problem; the message names the file, the key and what is wrong."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


#: Checks one provider profile (its kind, and the keys that kind reads); raises ConfigError. The
#: provider registry (studio.llm.registry.check_profile) is the one the studio passes to load_config.
ProfileCheck = Callable[[str, "ProviderProfile"], None]


class ProviderProfile(_Strict):
    kind: str = Field(min_length=1, description="A registered provider kind (see: studio providers list)")
    model: str = ""
    base_url: str | None = None
    api_key_env: str | None = Field(default=None, description="Environment variable holding the key")
    secret_key_env: str | None = None
    appid: str | None = None
    endpoint: str | None = Field(default=None, description="Qianfan v1 endpoint suffix")
    rpm: int | None = Field(default=None, gt=0)
    tpm: int | None = Field(default=None, gt=0)
    concurrency: int = Field(default=8, gt=0)
    timeout: float = Field(default=60.0, gt=0, description="Seconds to connect, and to the first streamed token")
    deadline: float | None = Field(default=None, gt=0, description="Seconds for a whole call; default 3 × timeout")
    max_tokens: int = Field(default=1024, gt=0, le=1_000_000,
                            description="Answer cap sent with every request that sets none (teacher, repair, judge, eval)")
    max_answer_chars: int = Field(default=100_000, gt=0, description="Longer answers are refused, never kept")
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024,
                                description="A response body is read up to this many bytes; a longer one fails the call")
    max_line_bytes: int = Field(default=1024 * 1024, ge=1024,
                                description="A streamed line (or event) is read up to this many bytes; a longer one "
                                            "fails the call")
    retries: int = Field(default=4, ge=0, le=20, description="Retries after the first attempt")
    backoff: float = Field(default=1.0, gt=0, description="First retry delay in seconds; doubles each time")
    price_in: float | None = Field(default=None, ge=0, description="Price per 1k input tokens")
    price_out: float | None = Field(default=None, ge=0)
    currency: str = ""
    latency: float = Field(default=0.0, ge=0, description="Offline simulator: seconds per call")
    prompt: Literal["full", "compact"] = Field(
        default="full", description="The teacher prompt an eval sends: full (the tutorial's rules) or compact (for a "
                                    "model tuned on a --prompt compact export)")
    error_rate: float | None = Field(default=None, ge=0, le=1,
                                     description="Offline simulator: share of first teacher answers with a contract "
                                                 "slip a repair fixes (default: data/offline.toml, a few %)")


class StudioSection(_Strict):
    teacher: str = "offline"
    student: str = "offline"
    reviewer: str = Field(default="", description="Name recorded on edits; defaults to the OS user")
    theme: str = "textual-dark"
    animations: bool = False


class UiSection(_Strict):
    language: Literal["en", "zh"] | None = Field(
        default=None, description="The studio's language: en or zh; unset, the environment's (LANG …)")


class ReviewSection(_Strict):
    double_share: float = Field(default=0.1, ge=0.0, le=1.0,
                                description="Share of samples given to two reviewers, blind to each other (0–1)")
    claim_minutes: float = Field(default=30.0, gt=0, description="How long a sample a reviewer took stays theirs")


class PathsSection(_Strict):
    exports: str = "exports"
    jobs: str = "jobs"
    logs: str = "logs"


def _default_mix() -> dict[str, float]:
    """The default target mix: each fault kind's default weight (studio.domain.fault_kinds)."""
    return {k.value: w for k, w in DEFAULT_MIX.weights.items()}


class Config(_Strict):
    studio: StudioSection = Field(default_factory=StudioSection)
    ui: UiSection = Field(default_factory=UiSection)
    review: ReviewSection = Field(default_factory=ReviewSection)
    mix: dict[str, float] = Field(default_factory=_default_mix)
    paths: PathsSection = Field(default_factory=PathsSection)
    providers: dict[str, ProviderProfile] = Field(default_factory=dict, validate_default=True)
    keys: dict[str, str] = Field(default_factory=dict, description="Keymap overrides: binding id = keys")

    @field_validator("mix")
    @classmethod
    def _mix_ok(cls, value: dict[str, float]) -> dict[str, float]:
        Mix.of(value)
        return value

    @field_validator("providers")
    @classmethod
    def _offline_always(cls, value: dict[str, ProviderProfile]) -> dict[str, ProviderProfile]:
        value.setdefault("offline", ProviderProfile(kind="offline", model="offline-simulator"))
        return value

    @property
    def target_mix(self) -> Mix:
        return Mix.of(self.mix)

    def provider(self, name: str) -> ProviderProfile:
        try:
            return self.providers[name]
        except KeyError:
            known = ", ".join(sorted(self.providers))
            raise ConfigError(Message("config.no-profile", N_("no provider profile named '{name}' (configured: {known})"),
                                      name=name, known=known)) from None


def load_config(path: Path, check_profile: ProfileCheck | None = None) -> Config:
    """Read ``config.toml``; a missing file gives the defaults. ``check_profile`` checks each provider
    profile's kind and kind-specific keys (this layer does not know the kinds; the provider registry does)."""
    if not path.exists():
        return Config()
    config = _read_config(path)
    if check_profile is not None:
        for name, profile in config.providers.items():
            try:
                check_profile(name, profile)
            except ConfigError as exc:
                raise ConfigError(Message("config.in-file", N_("{path}: {problem}"), path=path, problem=said(exc))) from None
    return config


def _read_config(path: Path) -> Config:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(Message("config.not-utf8", N_("{path}: not UTF-8 text ({reason} at byte {byte})"),
                                  path=path, reason=exc.reason, byte=exc.start)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(Message("config.not-toml", N_("{path}: not valid TOML: {problem}"), path=path,
                                  problem=said(exc))) from None
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        problem: Message | str = validation_problem(err)
        if err["type"] == "extra_forbidden" and any(w in str(err["loc"][-1]).lower() for w in ("key", "secret", "token")):
            problem = Message("config.key-in-config", N_("keys never go in config.toml: set the environment variable "
                                                         "named by api_key_env, or put it in {secrets} beside "
                                                         "config.toml (mode 0600)"), secrets=SECRETS_FILE)
        elif err["type"] == "extra_forbidden":
            problem = Message("config.unknown-key", N_("unknown key (check its spelling; see README 'Configuration')"))
        raise ConfigError(Message("config.invalid", N_("{path}: {key}: {problem}"), path=path, key=key,
                                  problem=problem)) from None
    except MixError as exc:
        raise ConfigError(Message("config.mix", N_("{path}: mix: {problem}"), path=path, problem=said(exc))) from None


class Secrets:
    """API keys from the environment first, then from a secrets file that only its owner reads.

    Values are never stored, logged or shown; ``redact`` scrubs them from any text.
    """

    def __init__(self, file: Path | None = None, environ: dict[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ
        self.file = file
        self._from_file: dict[str, str] | None = None

    def _load_file(self) -> dict[str, str]:
        if self._from_file is not None:
            return self._from_file
        self._from_file = {}
        if self.file is None or not self.file.exists():
            return self._from_file
        mode = stat.S_IMODE(self.file.stat().st_mode)
        if mode & 0o077:
            raise ConfigError(Message(
                "secrets.readable", N_("{path}: secrets file is readable by others (mode {mode}); run: chmod 600 {path}"),
                path=self.file, mode=f"{mode:04o}"))
        try:
            data = tomllib.loads(self.file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(Message("config.not-toml", N_("{path}: not valid TOML: {problem}"), path=self.file,
                                      problem=said(exc))) from None
        for key, value in data.items():
            if not isinstance(value, str):
                raise ConfigError(Message("secrets.not-text", N_("{path}: {key}: must be a string"), path=self.file,
                                          key=key))
            self._from_file[key] = value
        return self._from_file

    def get(self, name: str) -> str | None:
        """The value of ``name``, registered with the redactor before anyone can send or print it."""
        from_file = self._load_file()  # a secrets file others can read is refused even when unused
        value = self.environ.get(name)
        if value:
            return register_secret(value)
        return register_secret(from_file.get(name) or None)

    def require(self, name: str, why: str) -> str:
        value = self.get(name)
        if not value:
            if self.file:
                raise ConfigError(Message("secrets.missing", N_("{why} needs {name}: set the environment variable "
                                                                "{name} or add it to {path}"),
                                          why=why, name=name, path=self.file))
            raise ConfigError(Message("secrets.missing-env", N_("{why} needs {name}: set the environment variable {name}"),
                                      why=why, name=name))
        return value

    def known_values(self) -> list[str]:
        names = [k for k in self.environ if k.endswith(("_KEY", "_TOKEN", "_SECRET"))]
        values = [self.environ[k] for k in names if len(self.environ[k]) >= 6]
        try:
            values += [v for v in self._load_file().values() if len(v) >= 6]
        except ConfigError:
            pass
        return values

    def redact(self, text: str) -> str:
        """Every known key scrubbed, in every encoding it may travel in (as is, URL-encoded,
        JSON-escaped, base64 alone or inside a longer base64 blob): the values of variables named
        like keys, the secrets file's, and every value registered with :func:`register_secret`
        (each key a profile names, tokens obtained at run time)."""
        for value in self.known_values():
            register_secret(value)
        return scrub_secrets(text)


#: Every secret value this process has read or obtained, with the forms it may travel in.
_SECRETS: dict[str, list[str]] = {}
_SECRETS_LOCK = threading.Lock()


def register_secret(value: str | None) -> str | None:
    """Register a secret with the one redactor (:func:`scrub_secrets`); returns it unchanged. A key is
    registered when it is read (``Secrets.get``), a token when it is obtained."""
    if value and len(value) >= 6 and value not in _SECRETS:
        forms = encodings(value)
        with _SECRETS_LOCK:
            _SECRETS[value] = forms
    return value


def scrub_secrets(text: str) -> str:
    """``text`` with every registered secret, in every form, replaced by its first three characters
    and ``…(redacted)``. Everything that leaves the process passes here: errors, the log, the
    ledger, the terminal (``cli.common.SafeStream``) and the app's messages."""
    if not _SECRETS or not text:
        return text
    for value, forms in list(_SECRETS.items()):
        for form in forms:
            if form in text:
                text = text.replace(form, f"{value[:3]}…(redacted)")
    return text


def encodings(value: str) -> list[str]:
    """The forms a secret takes on the wire and in error bodies, longest first."""
    raw = value.encode("utf-8")
    forms = {value, quote(value, safe=""), quote_plus(value, safe=""), quote(value),
             json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1],
             json.dumps(value)[1:-1].replace("/", "\\/")}  # JSON may escape "/" too
    for b64 in (base64.b64encode, base64.urlsafe_b64encode):
        for shift in range(3):  # the key at each alignment inside a longer base64 string
            encoded = b64(b"\0" * shift + raw).decode("ascii")
            start = 4 if shift else 0
            stable = encoded.rstrip("=")
            cut = len(stable) - (1 if (shift + len(raw)) % 3 else 0)
            core = stable[start:cut]
            if len(core) >= 6:
                forms.add(core)
            if not shift:
                forms.add(encoded)
    return sorted((f for f in forms if f), key=len, reverse=True)


def secrets_for(workspace: Path) -> Secrets:
    override = os.environ.get("STUDIO_SECRETS_FILE")
    return Secrets(Path(override) if override else workspace / SECRETS_FILE)
