"""Summaries of the call ledger: tokens, cost, latency percentiles and errors, per provider and run."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _group(calls: list[dict[str, Any]]) -> dict[str, Any]:
    latencies = [c["latency_s"] for c in calls if c["outcome"] == "ok"]
    errors = Counter(c["error_kind"] for c in calls if c["outcome"] == "error")
    currencies = sorted({c.get("currency") or "" for c in calls} - {""})
    return {
        "calls": len(calls),
        "ok": sum(1 for c in calls if c["outcome"] == "ok"),
        "cached": sum(1 for c in calls if c["outcome"] == "cached"),
        "unknown": sum(1 for c in calls if c["outcome"] == "pending"),  # sent, then the process died
        "truncated": sum(1 for c in calls if c.get("finish_reason") == "length"),
        "errors": sum(errors.values()),
        "errors_by_kind": dict(sorted(errors.items())),
        "attempts": sum(c.get("attempts", 1) for c in calls),
        "retries": sum(max(0, c.get("attempts", 1) - 1) for c in calls),
        "repairs": sum(1 for c in calls if c.get("purpose") == "repair"),
        "tokens_in": sum(c["tokens_in"] for c in calls),
        "tokens_out": sum(c["tokens_out"] for c in calls),
        "cost": round(sum(c["cost"] for c in calls), 6),
        "currency": "/".join(currencies),
        "latency_p50_s": percentile(latencies, 0.5),
        "latency_p95_s": percentile(latencies, 0.95),
    }


def summarise(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """``{"total": …, "by_provider": {…}, "by_run": {…}, "by_purpose": {…}}`` from raw call records.

    A call's purpose is the mark its caller gave it: "first answer" and "repair" for teacher turns,
    "judge", "student", "translate", "rewrite", "expand", "regenerate", … ("(unmarked)" for older rows).
    """
    calls = list(records)
    by_provider: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_run: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_purpose: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in calls:
        by_provider[c["provider"]].append(c)
        by_run[c.get("run_id") or "(none)"].append(c)
        by_purpose[c.get("purpose") or "(unmarked)"].append(c)
    return {
        "total": _group(calls),
        "by_provider": {k: _group(v) for k, v in sorted(by_provider.items())},
        "by_run": {k: _group(v) for k, v in sorted(by_run.items())},
        "by_purpose": {k: _group(v) for k, v in sorted(by_purpose.items())},
    }
