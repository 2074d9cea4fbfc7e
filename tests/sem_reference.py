"""Shared loaders for the SEM parity tests (reference values: tests/reference/expected/SEM.PROVENANCE.md)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

REF = Path(__file__).parent / "reference"


@lru_cache
def load_json(name: str) -> dict:
    return json.loads((REF / "expected" / name).read_text())


@lru_cache
def hs39() -> pd.DataFrame:
    return pd.read_csv(REF / "data" / "holzinger_swineford_1939.csv")


@lru_cache
def bfi() -> pd.DataFrame:
    return pd.read_csv(REF / "data" / "bfi.csv")


def by_key(rows: list[dict], group: bool = False) -> dict:
    return {(r["lhs"], r["op"], r["rhs"]) + ((r["group"],) if group else ()): r for r in rows}


def rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-12)
