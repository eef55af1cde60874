"""Formatting shared by pages, JSON and printouts."""
from __future__ import annotations


def decimal_text(value) -> str | None:
    """Show a Decimal without trailing zeros (300.000 -> 300), never rounding it."""
    if value is None:
        return None
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
