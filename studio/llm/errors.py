"""One error taxonomy for every provider. Fatal kinds stop a whole run at once."""

from __future__ import annotations

from studio.domain.messages import N_, Message


class LLMError(Exception):
    """A failed model call. ``kind`` is stable (used in the ledger and reports)."""

    kind = "error"
    fatal = False
    retryable = False
    advice = ""
    #: The request reached the server and its answer may be billed although none came back whole
    #: (a timeout, a cut stream, an answer over a limit): its worst case stays counted.
    billed = False

    def __init__(self, message: str, *, status: int | None = None, code: str | int | None = None,
                 retry_after: float | None = None, provider: str = "") -> None:
        self.message = message
        self.status = status
        self.code = code
        self.retry_after = retry_after
        self.provider = provider
        super().__init__(message)

    def _said(self) -> str:
        """The error without its advice: who, what kind, the provider's words, the HTTP status and code."""
        where = f"{self.provider}: " if self.provider else ""
        detail = []
        if self.status is not None:
            detail.append(f"HTTP {self.status}")
        if self.code is not None:
            detail.append(f"code {self.code}")
        tail = f" ({', '.join(detail)})" if detail else ""
        return f"{where}{self.kind}: {self.message}{tail}"

    def __str__(self) -> str:
        return f"{self._said()} — {self.advice}" if self.advice else self._said()

    def told_as(self) -> Message | str:
        """The error as the user reads it: its advice a message to translate (the provider's words stay)."""
        if not self.advice:
            return self._said()
        return Message("llm.error", N_("{error} — {advice}"), error=self._said(),
                       advice=Message(f"llm.advice.{self.kind}", self.advice))


class RateLimited(LLMError):
    kind = "rate_limited"
    retryable = True
    advice = N_("lower rpm/concurrency in the provider profile if this keeps happening")


class Transient(LLMError):
    kind = "transient"
    retryable = True


class AuthError(LLMError):
    kind = "auth"
    fatal = True
    advice = N_("check the API key environment variable named in the provider profile (studio providers check NAME)")


class QuotaExhausted(LLMError):
    kind = "quota"
    fatal = True
    advice = N_("the account's quota or balance is used up; top it up or switch provider")


class BadRequest(LLMError):
    kind = "bad_request"
    advice = N_("the request was refused as malformed; check the model name and limits in the profile")


class ContentFiltered(LLMError):
    kind = "content_filtered"


class DeadlineExceeded(Transient):
    """No first token, or no whole answer, within the profile's limits (a server that drips or stalls)."""

    kind = "timeout"
    billed = True
    advice = N_("raise timeout/deadline in the provider profile if the model is simply slow")


class Truncated(LLMError):
    """``finish_reason: length``: the answer hit max_tokens and was cut off (paid for, not usable)."""

    kind = "truncated"
    advice = N_("raise max_tokens in the provider profile, or ask for a shorter answer")


class AnswerTooLarge(LLMError):
    """An answer longer than the profile's max_answer_chars; it is neither kept nor cached."""

    kind = "too_large"
    billed = True


class BodyTooLarge(AnswerTooLarge):
    """A response body, stream line or stream event over the profile's byte caps; reading stopped there."""

    advice = N_("raise max_body_bytes or max_line_bytes in the provider profile if the server's answers are "
                "really this long")


class ModelUnavailable(LLMError):
    """A local model that cannot be loaded (missing folder, missing train extra)."""

    kind = "model_unavailable"
    fatal = True
