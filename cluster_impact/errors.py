"""Exit codes and the one-line error of the ``cluster-impact`` commands.

========  =====================================================================
Exit      Meaning
========  =====================================================================
0         success
1         refused: an input file, the study (its file or what the data can
          support), the output folder (foreign files, locked by another run),
          a blocking check, a disclosure leak found by the audit, a
          reproduction that differs; one line naming file, row, column or key
          and the rule
2         usage: unknown command or option, missing argument (argparse)
3         internal error (a bug, or the environment: disk full, I/O error): one
          line on standard error, the traceback in the log file
130, 143  interrupted by SIGINT (Ctrl-C) or SIGTERM; nothing half-published
========  =====================================================================

``--debug`` prints the traceback of any error on standard error as well.

The exception classes of the refusals live in the packages that raise them; this
module imports them only when a command fails, since importing them pulls in pandas
(``cluster-impact --help`` must stay fast).
"""

from __future__ import annotations

import signal
import time
import traceback
from pathlib import Path
from typing import IO

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class BlockingCheckFailed(ValueError):
    """A blocking asset check failed: the data break a rule the study relies on."""


class InputMismatchError(ValueError):
    """The inputs to hand are not the ones the manifest records."""


class CodeMismatchError(ValueError):
    """The running code is not the code the manifest records (or either tree was dirty)."""


def refusal_types() -> tuple[type[BaseException], ...]:
    """Exception classes that mean "refused input, study or output folder" (exit 1)."""
    # Imported on failure only, for start-up time (see the module docstring).
    from data_contracts.errors import DataContractError
    from data_contracts.synthetic.errors import SyntheticDataError
    from reports.errors import ReportError
    from study.publishing import DisclosureLeakError, OutputFolderError
    from study.spec import StudySpecError

    return (DataContractError, SyntheticDataError, ReportError, StudySpecError, OutputFolderError,
            DisclosureLeakError, BlockingCheckFailed, InputMismatchError, CodeMismatchError, FileNotFoundError)


def _interrupt_code(exc: BaseException) -> int | None:
    signum = getattr(exc, "signum", None)
    if isinstance(signum, int):
        return 128 + signum
    # Dagster turns SIGINT/SIGTERM during a step into its own BaseException.
    if isinstance(exc, KeyboardInterrupt) or type(exc).__name__ == "DagsterExecutionInterruptedError":
        return 128 + signal.SIGINT
    return None


def crash_log(prog: str) -> Path:
    """Where a command without a run log writes a traceback: ``<instance>/logs/``."""
    from study.publishing import instance_dir, make_private_dir

    folder = make_private_dir(instance_dir() / "logs")
    return folder / time.strftime(f"{prog.replace(' ', '-')}-%Y%m%d-%H%M%S.log")


def report_failure(prog: str, exc: BaseException, *, debug: bool, log_file: Path | None,
                   stream: IO[str]) -> int:
    """Print the one-line error of ``exc``, log its traceback; return the exit code.

    Parameters
    ----------
    prog : str
        The command, as the message's prefix (``cluster-impact run``).
    log_file : Path, optional
        The command's log (the run's log); a crash log under the instance folder otherwise.
    """
    trace = "".join(traceback.format_exception(exc))
    interrupted = _interrupt_code(exc)
    refused = interrupted is None and isinstance(exc, refusal_types())
    if log_file is None and not refused:
        try:
            log_file = crash_log(prog.split()[-1])
        except OSError:
            log_file = None
    if log_file is not None:
        try:
            with open(log_file, "a", encoding="utf-8") as log:
                log.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} ERROR {prog}: {type(exc).__name__}\n{trace}")
                summary = getattr(exc, "summary", "")
                if summary:
                    log.write(summary + "\n")
        except OSError:
            log_file = None
    if debug:
        stream.write(trace)
    where = f" (traceback in {log_file})" if log_file is not None else ""
    if interrupted is not None:
        stream.write(f"{prog}: interrupted; nothing was published, the earlier publication is unchanged\n")
        return interrupted
    if refused:
        message = str(exc) or type(exc).__name__
        if isinstance(exc, FileNotFoundError) and exc.filename and str(exc.filename) not in message:
            message = f"{exc.filename}: {exc.strerror or message}"
        details = f" (details in {log_file})" if getattr(exc, "summary", "") and log_file is not None else ""
        stream.write(f"{prog}: {message}{details}\n")
        return EXIT_REFUSED
    if isinstance(exc, OSError):
        stream.write(f"{prog}: error: {exc}{where}\n")
        return EXIT_INTERNAL
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    stream.write(f"{prog}: internal error: {type(exc).__name__}: {first}{where}\n")
    return EXIT_INTERNAL
