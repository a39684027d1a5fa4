"""Reading a JSON request body: a JSON object, nested no deeper than ``MAX_JSON_DEPTH``. The depth is
measured on the raw bytes before parsing, so a hostile body of ten thousand brackets gets a 400 instead
of exhausting the parser's recursion."""

from __future__ import annotations

from typing import Any

from flask import request

from bot.errors import InputError

MAX_JSON_DEPTH = 8


def json_depth(raw: bytes, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep arrays and objects nest in ``raw``: exact once it passes ``limit`` (the scan stops there),
    otherwise a bound no greater than ``limit``. Brackets inside strings do not count."""
    if raw.count(b"[") + raw.count(b"{") <= limit:  # the usual body: nothing to scan
        return min(limit, raw.count(b"[") + raw.count(b"{"))
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def json_body() -> dict[str, Any]:
    if not request.is_json:
        raise InputError("send JSON with Content-Type: application/json", status=415)
    if json_depth(request.get_data(cache=True)) > MAX_JSON_DEPTH:
        raise InputError(f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep")
    data = request.get_json(silent=True)
    if data is None:
        raise InputError("the body is not valid JSON")
    if not isinstance(data, dict):
        raise InputError("the body must be a JSON object")
    return data
