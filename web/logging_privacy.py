"""Keep what people type out of every log: access lines lose their query strings, and error lines about
malformed requests (gunicorn's "Invalid request from ip=...: Invalid HTTP Version: '<the line>'", the
dev server's "Bad request version ('...')") lose the request text they quote."""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Mapping

from flask import Flask

_QUERY = re.compile(r"\?[^\s\"]*")
# gunicorn's access-log atom for the bare query string (no leading "?")
_QUERY_ATOM = "q"
# What a request line puts in a message: quoted spans, and anything after a "?" up to an HTTP version
_QUOTED = re.compile(r"'[^']*'?|\"[^\"]*\"?")
_REQUEST_LINE_QUERY = re.compile(r"\?.*?(?= HTTP/\d|\"|$)")
_GUNICORN_INVALID = re.compile(r"^(Invalid request from ip=[^:]*): ([^'\":]*).*", re.S)
REDACTED = "[redacted]"
_WELL_FORMED_LINE = re.compile(r"([A-Z]{3,10}) (/[^\s?]*)(\?\S*)? (HTTP/\d(?:\.\d)?)")
# gunicorn's atom for the request line, and the dev server's access-line format whose first value is it
_REQUEST_LINE_ATOM = "r"
_WERKZEUG_ACCESS = '"%s" %s %s'  # the end of the dev server's access-line format
_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # the dev server colours request lines on a terminal


def request_line(line: object) -> object:
    """A request line as it may be logged: method, path and version; a query becomes [redacted], and a
    line that is not well formed (its words could be anything a person typed) is not shown at all."""
    if not isinstance(line, str):
        return line
    match = _WELL_FORMED_LINE.fullmatch(_ANSI.sub("", line).strip())
    if not match:
        return "[malformed request line]"
    method, path, query, version = match.groups()
    return f"{method} {path}{'?' + REDACTED if query else ''} {version}"


def _strip(value: object) -> object:
    return _REQUEST_LINE_QUERY.sub("?" + REDACTED, value) if isinstance(value, str) else value


def scrub_error_text(text: str) -> str:
    """An error message about a request, without the request's own text."""
    invalid = _GUNICORN_INVALID.match(text)
    if invalid:
        return f"{invalid.group(1)}: {invalid.group(2).strip()} {REDACTED}".rstrip()
    return _QUOTED.sub(REDACTED, _REQUEST_LINE_QUERY.sub("?" + REDACTED, text))


class StripQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, Mapping):
            # gunicorn logs "%(h)s %(r)s ..." with one mapping of atoms; it must stay a mapping of the
            # same type (gunicorn's answers "-" for atoms it lacks), so copy it and redact the copy
            changes = {
                key: REDACTED
                if key == _QUERY_ATOM
                else request_line(value)
                if key == _REQUEST_LINE_ATOM
                else _strip(value)
                for key, value in args.items()
                if (key == _QUERY_ATOM and value)
                or (key == _REQUEST_LINE_ATOM and isinstance(value, str) and request_line(value) != value)
                or (isinstance(value, str) and "?" in value)
            }
            if changes:  # most requests carry no query string: nothing to copy
                redacted: dict[str, object] = copy.copy(args) if isinstance(args, dict) else dict(args)
                redacted.update(changes)
                record.args = redacted
        elif isinstance(args, tuple) and args:
            if isinstance(record.msg, str) and record.msg.rstrip().endswith(_WERKZEUG_ACCESS):
                args = (request_line(args[0]), *args[1:])
            record.args = tuple(_strip(a) for a in args)
        if isinstance(record.msg, str):
            record.msg = _REQUEST_LINE_QUERY.sub("?" + REDACTED, record.msg)
        return True


class ScrubRequestText(logging.Filter):
    """For error loggers: the message is formatted here, and any request text in it removed."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING and record.name == "werkzeug":
            return True  # the dev server's access lines: StripQueryStrings handles them
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record: drop its arguments rather than risk them
            message = str(record.msg)
        record.msg, record.args = scrub_error_text(message), None
        return True


def init_app(app: Flask) -> None:
    for name, kind in (
        ("werkzeug", StripQueryStrings),
        ("gunicorn.access", StripQueryStrings),
        ("werkzeug", ScrubRequestText),
        ("gunicorn.error", ScrubRequestText),
    ):
        logger = logging.getLogger(name)
        if not any(type(f) is kind for f in logger.filters):
            logger.addFilter(kind())
