"""One error taxonomy for every provider. Fatal kinds stop a whole run at once."""

from __future__ import annotations


class LLMError(Exception):
    """A failed model call. ``kind`` is stable (used in the ledger and reports)."""

    kind = "error"
    fatal = False
    retryable = False
    advice = ""

    def __init__(self, message: str, *, status: int | None = None, code: str | int | None = None,
                 retry_after: float | None = None, provider: str = "") -> None:
        self.message = message
        self.status = status
        self.code = code
        self.retry_after = retry_after
        self.provider = provider
        super().__init__(message)

    def __str__(self) -> str:
        where = f"{self.provider}: " if self.provider else ""
        detail = []
        if self.status is not None:
            detail.append(f"HTTP {self.status}")
        if self.code is not None:
            detail.append(f"code {self.code}")
        tail = f" ({', '.join(detail)})" if detail else ""
        advice = f" — {self.advice}" if self.advice else ""
        return f"{where}{self.kind}: {self.message}{tail}{advice}"


class RateLimited(LLMError):
    kind = "rate_limited"
    retryable = True
    advice = "lower rpm/concurrency in the provider profile if this keeps happening"


class Transient(LLMError):
    kind = "transient"
    retryable = True


class AuthError(LLMError):
    kind = "auth"
    fatal = True
    advice = "check the API key environment variable named in the provider profile (studio providers check NAME)"


class QuotaExhausted(LLMError):
    kind = "quota"
    fatal = True
    advice = "the account's quota or balance is used up; top it up or switch provider"


class BadRequest(LLMError):
    kind = "bad_request"
    advice = "the request was refused as malformed; check the model name and limits in the profile"


class ContentFiltered(LLMError):
    kind = "content_filtered"


class DeadlineExceeded(Transient):
    """No first token, or no whole answer, within the profile's limits (a server that drips or stalls)."""

    kind = "timeout"
    advice = "raise timeout/deadline in the provider profile if the model is simply slow"


class Truncated(LLMError):
    """``finish_reason: length``: the answer hit max_tokens and was cut off (paid for, not usable)."""

    kind = "truncated"
    advice = "raise max_tokens in the provider profile, or ask for a shorter answer"


class AnswerTooLarge(LLMError):
    """An answer longer than the profile's max_answer_chars; it is neither kept nor cached."""

    kind = "too_large"


class ModelUnavailable(LLMError):
    """A local model that cannot be loaded (missing folder, missing train extra)."""

    kind = "model_unavailable"
    fatal = True
