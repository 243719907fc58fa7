"""``cluster-impact run``'s console: one line per finished step, each warning once, a log file."""

import io
import logging
import warnings

import dagster as dg

from cluster_impact.progress import RunProgress
from cluster_impact.runner import _materialize


class DemoWarning(UserWarning):
    pass


@dg.asset
def first() -> int:
    for _ in range(3):  # the same warning three times is printed once
        warnings.warn("cohort 2017: 6 members cannot be matched", DemoWarning, stacklevel=1)
    logging.getLogger("tfp").warning("tfp: group 11 pooled with all")
    return 1


@dg.asset
def second(context: dg.AssetExecutionContext, first: int) -> int:
    context.log.warning("a Dagster warning")
    context.log.info("detail for the log file only")
    return first + 1


def test_progress_lines_warnings_once_and_log_file(tmp_path):
    console = io.StringIO()
    log_file = tmp_path / "logs" / "run.log"
    with RunProgress(log_file, stream=console) as progress:
        result = _materialize([first, second], selection=dg.AssetSelection.all(), resources={}, tags={},
                              run_config={"loggers": {"progress": {}}}, raise_on_error=True,
                              logger_defs={"progress": progress.logger_definition()})
    assert result.success
    lines = console.getvalue().splitlines()
    steps = [line for line in lines if line.lstrip().startswith("[")]
    assert [line.split()[2] for line in steps] == ["first", "second"]
    assert all(line.split()[4] == "s" and float(line.split()[3]) >= 0 for line in steps)
    warned = [line for line in lines if line.startswith("warning: ")]
    assert warned == [
        "warning: DemoWarning: cohort 2017: 6 members cannot be matched",
        "warning: tfp: group 11 pooled with all",
        "warning: a Dagster warning",
    ]
    assert "warnings.warn(" not in console.getvalue()  # no echo of the source line
    assert progress.steps == 2 and progress.warnings_shown == [w[len("warning: "):] for w in warned]
    text = log_file.read_text(encoding="utf-8")
    assert "detail for the log file only" in text and "test_progress.py" in text and "STEP_SUCCESS" in text
    # the run's handlers are gone afterwards
    assert not any(type(h).__name__ == "_Console" for h in logging.getLogger().handlers)
