"""Baidu Cloud ``bce-auth-v1`` request signing (Qianfan fine-tuning, BOS uploads).

authStringPrefix = bce-auth-v1/{AK}/{timestamp}/{expiry}; signingKey = hex(HMAC-SHA256(SK, prefix));
CanonicalRequest = METHOD \\n URI \\n sorted encoded query \\n sorted encoded headers;
signature = hex(HMAC-SHA256(signingKey, CanonicalRequest)).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import quote

EXPIRY_S = 1800
SIGNED = ("host", "x-bce-date")


def uri_encode(text: str, *, slash: bool = True) -> str:
    """Everything but A–Z a–z 0–9 . ~ - _ as %XX (uppercase); ``/`` too unless ``slash`` is False."""
    return quote(text, safe="" if slash else "/")


def canonical_request(method: str, path: str, query: dict[str, str], headers: dict[str, str],
                      signed: tuple[str, ...] = SIGNED) -> str:
    q = "&".join(sorted(f"{uri_encode(k)}={uri_encode(v)}" for k, v in query.items() if k.lower() != "authorization"))
    lower = {k.lower(): v for k, v in headers.items()}
    h = "\n".join(sorted(f"{uri_encode(name)}:{uri_encode(lower[name].strip())}" for name in signed if name in lower))
    return f"{method.upper()}\n{uri_encode(path, slash=False)}\n{q}\n{h}"


def bce_timestamp(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def authorization(ak: str, sk: str, method: str, path: str, query: dict[str, str], headers: dict[str, str],
                  timestamp: str, signed: tuple[str, ...] = SIGNED) -> str:
    prefix = f"bce-auth-v1/{ak}/{timestamp}/{EXPIRY_S}"
    key = hmac.new(sk.encode(), prefix.encode(), hashlib.sha256).hexdigest()
    request = canonical_request(method, path, query, headers, signed)
    signature = hmac.new(key.encode(), request.encode(), hashlib.sha256).hexdigest()
    names = ";".join(sorted(n for n in signed if n in {k.lower() for k in headers}))
    return f"{prefix}/{names}/{signature}"


def signed_headers(ak: str, sk: str, method: str, url_host: str, path: str, query: dict[str, str],
                   extra: dict[str, str] | None = None, now: datetime | None = None) -> dict[str, str]:
    """The headers a request needs: host, x-bce-date, Authorization (plus ``extra``, unsigned)."""
    timestamp = bce_timestamp(now)
    headers = {"host": url_host, "x-bce-date": timestamp, **(extra or {})}
    headers["Authorization"] = authorization(ak, sk, method, path, query, headers, timestamp)
    return headers
