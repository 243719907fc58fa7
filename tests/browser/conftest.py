"""Fixtures for the browser test: a private ``dagster dev`` on 127.0.0.1 and headless Chromium.

Everything the server writes (run history, Parquet storage, simulated inputs, published
tables) goes under a pytest temporary folder; the instance configuration is the
repository's ``dagster.yaml``, copied into a temporary ``DAGSTER_HOME`` (dagster writes
files of its own there), with ``CLUSTER_IMPACT_INSTANCE`` pointing its storage folders at
the temporary folder.

The server runs in its own process group and is ended by that group's id (SIGTERM to
``dagster dev``, then SIGTERM and finally SIGKILL to the whole group), never by name.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SMALL_STUDY = REPO_ROOT / "tests" / "fixtures" / "studies" / "small.yaml"

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")
CHROMEDRIVER_CANDIDATES = ("/usr/bin/chromedriver", "chromedriver")

# Flags that keep headless Chromium off the network (no Google services, no updates).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--window-size=1600,1000",
)

# Processes started in the background may inherit SIGINT/SIGTERM as ignored, and dagster dev
# maps SIGTERM to its SIGINT handler: restore both to the default before exec'ing Python, so
# dagster dev shuts down cleanly on SIGTERM (dispositions set to default survive exec).
_RESET_SIGNALS_AND_EXEC = (
    "import os, signal, sys; "
    "[signal.signal(s, signal.SIG_DFL) for s in (signal.SIGINT, signal.SIGTERM)]; "
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
)

SERVER_START_TIMEOUT = float(os.environ.get("CLUSTER_IMPACT_BROWSER_START_TIMEOUT", "300"))


def _which(candidates: tuple[str, ...]) -> str | None:
    for candidate in candidates:
        found = shutil.which(candidate)
        if found:
            return found
    return None


@dataclass
class DagsterDev:
    """A running ``dagster dev``: its URL, process, folders and log."""

    base_url: str
    host: str
    port: int
    process: subprocess.Popen
    root: Path
    log_path: Path
    env: dict[str, str] = field(repr=False)

    def graphql(self, query: str, variables: dict | None = None, timeout: float = 60) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"{self.base_url}/graphql", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = json.load(response)
        if payload.get("errors"):
            raise AssertionError(f"GraphQL errors: {payload['errors']}")
        return payload["data"]

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        # dagster 1.13 repeats one harmless warning per component; leave it out of failure output.
        text = [line for line in text if "does not match the name" not in line]
        return "\n".join(text[-lines:])


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _get_json(url: str, timeout: float = 5) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return json.load(response)
    except (urllib.error.URLError, OSError, ValueError):
        return None


LOCATIONS_QUERY = """
{
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on PythonError { message stack }
        }
      }
    }
  }
}
"""


def _wait_until_loaded(server: DagsterDev) -> None:
    """Wait for the webserver, then for the code location to finish loading."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while _get_json(f"{server.base_url}/server_info") is None:
        if server.process.poll() is not None:
            pytest.fail(f"dagster dev exited with code {server.process.returncode}:\n{server.log_tail()}")
        if time.monotonic() > deadline:
            pytest.fail(f"dagster dev did not answer /server_info in {SERVER_START_TIMEOUT:.0f} s:\n"
                        f"{server.log_tail()}")
        time.sleep(1)
    while True:
        try:
            data = server.graphql(LOCATIONS_QUERY, timeout=30)
            entries = data["workspaceOrError"].get("locationEntries") or []
        except (urllib.error.URLError, OSError, AssertionError):
            entries = []
        if entries and all(e["loadStatus"] == "LOADED" for e in entries):
            errors = [e for e in entries if e["locationOrLoadError"]["__typename"] == "PythonError"]
            if errors:
                pytest.fail("code location failed to load: "
                            + "\n".join(f"{e['name']}: {e['locationOrLoadError']['message']}" for e in errors))
            names = [e["name"] for e in entries]
            assert "pipelines.definitions" in names, f"unexpected code locations {names}"
            return
        if server.process.poll() is not None:
            pytest.fail(f"dagster dev exited with code {server.process.returncode}:\n{server.log_tail()}")
        if time.monotonic() > deadline:
            pytest.fail(f"code location not loaded in {SERVER_START_TIMEOUT:.0f} s:\n{server.log_tail()}")
        time.sleep(1)


def _stop_process_group(process: subprocess.Popen) -> None:
    """SIGTERM ``dagster dev`` (it shuts its children down), then the group, then SIGKILL."""
    pgid = process.pid  # start_new_session=True: the leader's pid is the group id

    def group_alive() -> bool:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def wait_group(seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            process.poll()
            if not group_alive():
                return True
            time.sleep(0.25)
        return not group_alive()

    if process.poll() is None:
        try:
            process.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
    if wait_group(5):
        return
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        return
    if wait_group(10):
        return
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return
    wait_group(10)
    process.poll()


@pytest.fixture(scope="module")
def browser_binaries() -> tuple[str, str]:
    """Chromium and chromedriver; skipped locally when absent, a failure in CI."""
    chromium = _which(CHROMIUM_CANDIDATES)
    chromedriver = _which(CHROMEDRIVER_CANDIDATES)
    if chromium and chromedriver:
        return chromium, chromedriver
    missing = [name for name, path in (("chromium", chromium), ("chromedriver", chromedriver)) if not path]
    reason = (f"{' and '.join(missing)} not found (Debian packages 'chromium' and 'chromium-driver'; "
              ".ci/run installs them)")
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser test cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def dagster_dev(browser_binaries, tmp_path_factory) -> DagsterDev:
    """``dagster dev`` started as the README says (no -m: the code location comes from pyproject)."""
    root = tmp_path_factory.mktemp("dagster_dev")
    folders = {name: root / name for name in ("home", "instance", "storage", "data", "out")}
    for folder in folders.values():
        folder.mkdir()
    # The repository's instance configuration, in a DAGSTER_HOME of our own: dagster also
    # writes its own files (.nux/, .logs_queue/) into DAGSTER_HOME.
    shutil.copyfile(REPO_ROOT / "dagster.yaml", folders["home"] / "dagster.yaml")
    host = "127.0.0.1"
    port = _free_port(host)
    env = dict(os.environ)
    env.update(
        DAGSTER_HOME=str(folders["home"]),
        CLUSTER_IMPACT_INSTANCE=str(folders["instance"]),
        CLUSTER_IMPACT_STORAGE=str(folders["storage"]),
        CLUSTER_IMPACT_DATA=str(folders["data"]),
        CLUSTER_IMPACT_OUT=str(folders["out"]),
        CLUSTER_IMPACT_STUDY=str(SMALL_STUDY),
        MPLBACKEND="Agg",
        PYTHONUNBUFFERED="1",
    )
    log_path = root / "dagster_dev.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", _RESET_SIGNALS_AND_EXEC, "-m", "dagster", "dev", "-h", host, "-p", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = DagsterDev(base_url=f"http://{host}:{port}", host=host, port=port, process=process,
                        root=root, log_path=log_path, env=env)
    try:
        _wait_until_loaded(server)
        yield server
    finally:
        _stop_process_group(process)
        print(f"\ndagster dev log: {log_path}")


@pytest.fixture
def browser(browser_binaries, tmp_path):
    """Headless Chromium through chromedriver, with a fresh profile in ``tmp_path``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = browser_binaries
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    options.add_argument(f"--user-data-dir={profile}")
    service = Service(executable_path=chromedriver, log_output=str(tmp_path / "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(120)
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
