"""The host imports (`ferry:connect/host`): logging, source offsets, reconfiguration.

Inside a component these call the host; elsewhere (unit tests, local runs) logging
goes to stderr, `read_offsets` returns no offsets and `request_reconfiguration` does
nothing.
"""

import json as _json
import logging as _logging
import sys as _sys

__all__ = ["log", "trace", "debug", "info", "warn", "error", "read_offsets",
           "request_reconfiguration", "LogHandler"]

try:
    from wit_world.imports import host as _host
except ImportError:  # not inside a component
    _host = None

_LEVELS = ("trace", "debug", "info", "warn", "error")


def log(level, message):
    """Write a line to the worker's log; level is trace/debug/info/warn/error."""
    level = level.lower()
    if level == "warning":
        level = "warn"
    if level not in _LEVELS:
        raise ValueError("unknown log level %r" % level)
    if _host is None:
        print("[%s] %s" % (level.upper(), message), file=_sys.stderr)
    else:
        _host.log(_host.LogLevel[level.upper()], str(message))


def trace(message):
    log("trace", message)


def debug(message):
    log("debug", message)


def info(message):
    log("info", message)


def warn(message):
    log("warn", message)


def error(message):
    log("error", message)


def read_offsets(partitions):
    """Source tasks: the last committed offset for each source partition (dicts),
    in the same order; None where nothing was committed yet."""
    if _host is None:
        return [None] * len(partitions)
    raw = _host.read_offsets([_json.dumps(p, separators=(",", ":")) for p in partitions])
    return [None if r is None else _json.loads(r) for r in raw]


def request_reconfiguration():
    """Connectors: ask the host to call task-configs again."""
    if _host is not None:
        _host.request_reconfiguration()


class LogHandler(_logging.Handler):
    """A `logging` handler that writes to the worker's log:
    `logging.getLogger().addHandler(ferry_sdk.host.LogHandler())`."""

    def emit(self, record):
        try:
            no = record.levelno
            level = ("error" if no >= _logging.ERROR else "warn" if no >= _logging.WARNING
                     else "info" if no >= _logging.INFO else "debug" if no >= _logging.DEBUG
                     else "trace")
            log(level, self.format(record))
        except Exception:
            self.handleError(record)
