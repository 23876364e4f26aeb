"""Cost of a call from the profile's prices, else the shipped (or workspace) price table."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from studio.resources import read_data


@dataclass(frozen=True)
class Price:
    per_1k_in: float
    per_1k_out: float
    currency: str = ""
    known: bool = True

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        return tokens_in / 1000 * self.per_1k_in + tokens_out / 1000 * self.per_1k_out


UNKNOWN = Price(0.0, 0.0, "", known=False)


def load_table(workspace_file: Path | None = None) -> dict[str, Price]:
    tables = [tomllib.loads(read_data("prices.toml"))]
    if workspace_file is not None and workspace_file.exists():
        tables.append(tomllib.loads(workspace_file.read_text(encoding="utf-8")))
    prices: dict[str, Price] = {}
    for table in tables:
        for model, row in table.get("models", {}).items():
            prices[model.lower()] = Price(float(row.get("in", 0)), float(row.get("out", 0)), str(row.get("currency", "")))
    return prices


def price_for(model: str, table: dict[str, Price], *, price_in: float | None = None,
              price_out: float | None = None, currency: str = "") -> Price:
    if price_in is not None or price_out is not None:
        return Price(price_in or 0.0, price_out or 0.0, currency)
    return table.get(model.lower(), UNKNOWN)
