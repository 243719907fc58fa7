"""What ``cluster-impact run`` shows while it works, and the detailed log it keeps.

The console gets one line per finished Dagster step with its duration, and each
distinct warning once, as ``warning: <message>`` (Python warnings, ``logging``
records from the estimator packages and Dagster's own warnings alike), without
Python's echo of the source line that raised it. Everything, at DEBUG level and with
the code location of each warning, goes to a log file in the run's storage.
"""

from __future__ import annotations

import logging
import sys
import time
import warnings
from pathlib import Path
from typing import IO, Any

import dagster as dg
from dagster import DagsterEventType

_FILE_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
#: Dagster events not echoed on the console: a failed run's cause is printed once by the command.
_FAILURES = frozenset({DagsterEventType.STEP_FAILURE, DagsterEventType.RUN_FAILURE})


class RunProgress:
    """Console progress and a log file for one study run (a context manager).

    Parameters
    ----------
    log_file : Path
        Where the detailed log is written (its folder is created).
    stream : file, optional
        Console stream for progress and warnings (default: standard error, so standard
        output keeps only the run's result).
    """

    def __init__(self, log_file: str | Path, stream: IO[str] | None = None) -> None:
        self.log_file = Path(log_file)
        self.stream = stream if stream is not None else sys.stderr
        self.steps = 0
        self._seen: dict[str, None] = {}  # warnings printed, in order
        self._started = time.monotonic()
        self._file_handler: logging.Handler | None = None
        self._console_handler: logging.Handler | None = None
        self._saved: dict[str, Any] = {}

    # -- console -----------------------------------------------------------------
    def _print(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()

    def warn_once(self, message: str) -> None:
        """Print ``warning: message`` unless the same message was printed already."""
        first = message.strip().splitlines()[0] if message.strip() else message
        if first not in self._seen:
            self._seen[first] = None
            self._print(f"warning: {first}")

    def step_finished(self, step: str, seconds: float) -> None:
        self.steps += 1
        elapsed = time.monotonic() - self._started
        self._print(f"  [{self.steps:3d}] {step:<40} {seconds:7.1f} s   (elapsed {_clock(elapsed)})")

    # -- Dagster -----------------------------------------------------------------
    def logger_definition(self) -> dg.LoggerDefinition:
        """A Dagster logger: step finishes and warnings to the console, all to the log file."""
        progress = self

        class _Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                meta = getattr(record, "dagster_meta", None) or {}
                event = meta.get("dagster_event") if isinstance(meta, dict) else None
                if event is not None and event.event_type == DagsterEventType.STEP_SUCCESS:
                    progress.step_finished(event.step_key or "?", event.event_specific_data.duration_ms / 1000)
                elif event is not None and event.event_type in _FAILURES:
                    pass  # the command prints the cause itself, in one line; the log file has the event
                elif record.levelno >= logging.WARNING:
                    text = meta.get("orig_message") if isinstance(meta, dict) else None
                    progress.warn_once(str(text or record.getMessage()))

        @dg.logger(description="cluster-impact run: progress lines, warnings once, details to a log file")
        def progress_logger(_init_context) -> logging.Logger:
            log = logging.Logger("cluster_impact.run", level=logging.DEBUG)
            log.addHandler(_Handler(level=logging.DEBUG))
            if progress._file_handler is not None:
                log.addHandler(progress._file_handler)
            return log

        return progress_logger

    # -- Python warnings and logging -----------------------------------------------
    def _showwarning(self, message, category, filename, lineno, file=None, line=None) -> None:
        logging.getLogger("py.warnings").warning("%s:%s: %s: %s", filename, lineno, category.__name__, message)
        # The category says which package warns (MatchingWarning...); plain UserWarning says nothing.
        self.warn_once(str(message) if category is UserWarning else f"{category.__name__}: {message}")

    def __enter__(self) -> "RunProgress":
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._file_handler = logging.FileHandler(self.log_file, encoding="utf-8")
        self._file_handler.setLevel(logging.DEBUG)
        self._file_handler.setFormatter(logging.Formatter(_FILE_FORMAT))
        progress = self

        class _Console(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                if record.name != "py.warnings":  # already printed by _showwarning
                    progress.warn_once(record.getMessage())

        self._console_handler = _Console(level=logging.WARNING)
        root = logging.getLogger()
        self._saved = {"showwarning": warnings.showwarning, "level": root.level,
                       "filters": list(warnings.filters)}
        root.addHandler(self._file_handler)
        root.addHandler(self._console_handler)
        root.setLevel(logging.INFO)
        warnings.showwarning = self._showwarning
        self._started = time.monotonic()
        return self

    def __exit__(self, *exc_info) -> None:
        root = logging.getLogger()
        for handler in (self._console_handler, self._file_handler):
            if handler is not None:
                root.removeHandler(handler)
        if self._file_handler is not None:
            self._file_handler.close()
        root.setLevel(self._saved.get("level", logging.WARNING))
        warnings.showwarning = self._saved.get("showwarning", warnings.showwarning)
        warnings.filters[:] = self._saved.get("filters", warnings.filters)

    @property
    def warnings_shown(self) -> list[str]:
        """Each distinct warning printed, in the order it first appeared."""
        return list(self._seen)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self._started


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}:{secs:02d}"
