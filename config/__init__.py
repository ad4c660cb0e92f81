"""The shipped hall layouts (`*.toml`, format in README.md), installed with the code."""
from __future__ import annotations

from pathlib import Path

SHIPPED_HALLS: Path = Path(__file__).resolve().parent
