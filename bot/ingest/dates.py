"""Normalise the review dates pages print ("July 7, 2025", "05/10/2023", "2021-07-27") to ISO."""

from __future__ import annotations

from datetime import datetime

_FORMATS = ("%Y-%m-%d", "%B %d, %Y", "%b %d, %Y", "%m/%d/%Y", "%d %B %Y", "%Y/%m/%d", "%Y")


def iso_date(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    for fmt in _FORMATS:
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    return None
