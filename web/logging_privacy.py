"""Keep what people type out of access logs: query strings are cut from every logged request line."""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Mapping

from flask import Flask

_QUERY = re.compile(r"\?[^\s\"]*")
# gunicorn's access-log atom for the bare query string (no leading "?")
_QUERY_ATOM = "q"


def _strip(value: object) -> object:
    return _QUERY.sub("?[redacted]", value) if isinstance(value, str) else value


class StripQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, Mapping):
            # gunicorn logs "%(h)s %(r)s ..." with one mapping of atoms; it must stay a mapping of the
            # same type (gunicorn's answers "-" for atoms it lacks), so copy it and redact the copy
            changes = {
                key: "[redacted]" if key == _QUERY_ATOM else _strip(value)
                for key, value in args.items()
                if (key == _QUERY_ATOM and value) or (isinstance(value, str) and "?" in value)
            }
            if changes:  # most requests carry no query string: nothing to copy
                redacted: dict[str, object] = copy.copy(args) if isinstance(args, dict) else dict(args)
                redacted.update(changes)
                record.args = redacted
        elif args:
            record.args = tuple(_strip(a) for a in args)
        if isinstance(record.msg, str):
            record.msg = _QUERY.sub("?[redacted]", record.msg)
        return True


def init_app(app: Flask) -> None:
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, StripQueryStrings) for f in logger.filters):
            logger.addFilter(StripQueryStrings())
