"""Resources shared by every chapter: the study being run and where results go."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from study.spec import DEMO_STUDY_PATH, StudySpec, load_study
from pipelines.io_managers import ParquetIOManagerFactory

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _default_storage() -> str:
    return os.environ.get("CLUSTER_IMPACT_STORAGE", str(PROJECT_ROOT / ".dagster_home" / "storage"))


class StudyResource(dg.ConfigurableResource):
    """The study specification and the folders a run reads from and writes to.

    Defaults point at the embedded demo study, so "Materialize all" in the UI works
    without any configuration.
    """

    study_file: str = os.environ.get("CLUSTER_IMPACT_STUDY", str(DEMO_STUDY_PATH))
    """YAML study specification (``studies/<name>.yaml``; env ``CLUSTER_IMPACT_STUDY``)."""
    data_dir: str = os.environ.get("CLUSTER_IMPACT_DATA", str(PROJECT_ROOT / ".dagster_home" / "data"))
    """Where simulated demo inputs are written (ignored for studies with input files)."""
    publish_dir: str = os.environ.get("CLUSTER_IMPACT_OUT", str(PROJECT_ROOT / "outputs"))
    """Where the published tables (``tables/``), figures (``figures/``), disclosure companions
    and report are released."""
    staging_dir: str = ""
    """If set, the published files are written here during the run instead, and the publisher
    (``study.publishing.Publication``) swaps this folder in as ``publish_dir`` once its manifest
    is written: an earlier publication stays whole until then. ``cluster-impact run`` sets it."""
    input_dir: str = ""
    """If set, input files named in the study are read from this folder instead (audits)."""

    def spec(self) -> StudySpec:
        return load_study(self.study_file)

    def study_dir(self) -> Path:
        return Path(self.study_file).resolve().parent

    def writing_dir(self) -> Path:
        """Where this run writes published files: the staging folder if any, else ``publish_dir``."""
        return Path(self.staging_dir or self.publish_dir)

    def released_path(self, path: str | Path) -> Path:
        """Where a file written under :meth:`writing_dir` will be once the publication is released
        (for metadata: the staging folder is gone after the swap)."""
        path = Path(path)
        if not self.staging_dir:
            return path
        try:
            return Path(self.publish_dir) / path.relative_to(self.staging_dir)
        except ValueError:
            return path

    def _subdir(self, name: str) -> Path:
        path = self.writing_dir() / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def tables_dir(self) -> Path:
        return self._subdir("tables")

    def disclosure_dir(self) -> Path:
        """Disclosure companions of every table: for the output checker, not for release."""
        return self._subdir("disclosure")

    def report_path(self) -> Path:
        self.writing_dir().mkdir(parents=True, exist_ok=True)
        return self.writing_dir() / "report.html"

    def figures_dir(self) -> Path:
        return self._subdir("figures")


def default_resources(
    study_file: str | None = None,
    publish_dir: str | None = None,
    storage_dir: str | None = None,
    data_dir: str | None = None,
    input_dir: str | None = None,
    staging_dir: str | None = None,
) -> dict[str, object]:
    """Resources for a run; ``None`` keeps each documented default."""
    study_kwargs: dict[str, str] = {}
    if study_file is not None:
        study_kwargs["study_file"] = str(study_file)
    if publish_dir is not None:
        study_kwargs["publish_dir"] = str(publish_dir)
    if data_dir is not None:
        study_kwargs["data_dir"] = str(data_dir)
    if input_dir is not None:
        study_kwargs["input_dir"] = str(input_dir)
    if staging_dir is not None:
        study_kwargs["staging_dir"] = str(staging_dir)
    return {
        "study": StudyResource(**study_kwargs),
        "io_manager": ParquetIOManagerFactory(base_path=storage_dir or _default_storage()),
    }


@dg.definitions
def resources() -> dg.Definitions:
    # In-process execution: the study's steps are CPU-bound numpy work that runs mostly
    # in sequence, and a subprocess per step (multiprocess executor) costs 4-5 s of
    # start-up each, which dominated UI runs.
    return dg.Definitions(resources=default_resources(), executor=dg.in_process_executor)
