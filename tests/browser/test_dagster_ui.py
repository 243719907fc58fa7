"""End to end in the Dagster UI: materialise every asset and read the main table's preview.

With ``dagster dev`` serving on 127.0.0.1 (see ``conftest.py``; small study, everything
under a temporary folder), headless Chromium

1. opens the global asset lineage and presses "Materialize all", confirming the launch
   dialog (with partitioned assets in the graph it asks for partitions: all of them);
2. waits for every run (and the backfill, if one was launched) to succeed, polling the
   GraphQL API the UI itself uses;
3. opens the ``main_effect_table`` asset and finds its Markdown preview rendered: the
   table's title and the "Cluster membership" row.

It also checks that the server listens on 127.0.0.1 only. One test function on purpose:
under ``pytest -n`` the tests of a module may go to different workers, and each would
start its own server.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

TITLE = "Effect of cluster membership on total factor productivity"
ROW = "Cluster membership"
RUN_TIMEOUT = float(os.environ.get("CLUSTER_IMPACT_BROWSER_RUN_TIMEOUT", "1200"))
UI_TIMEOUT = 90

TERMINAL_RUN = {"SUCCESS", "FAILURE", "CANCELED"}
ACTIVE_BACKFILL = {"REQUESTED", "CANCELING", "FAILING"}
GOOD_BACKFILL = {"COMPLETED", "COMPLETED_SUCCESS"}

RUNS_QUERY = """
{
  runsOrError(limit: 500) {
    __typename
    ... on Runs { results { runId status tags { key value } } }
    ... on PythonError { message }
  }
  partitionBackfillsOrError(limit: 50) {
    __typename
    ... on PartitionBackfills { results { id status } }
    ... on PythonError { message }
  }
}
"""

FAILURE_QUERY = """
query Failure($runId: ID!) {
  runOrError(runId: $runId) {
    ... on Run {
      eventConnection(afterCursor: null) {
        events {
          __typename
          ... on ExecutionStepFailureEvent { stepKey error { message } }
          ... on RunFailureEvent { message }
          ... on EngineEvent { message error { message } }
        }
      }
    }
  }
}
"""

MATERIALIZATION_QUERY = """
{
  assetNodeOrError(assetKey: {path: ["main_effect_table"]}) {
    ... on AssetNode { assetMaterializations(limit: 1) { runId } }
  }
}
"""


# --- the server listens on loopback only -------------------------------------------------

def _proc_net_listeners(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on ``port`` (from /proc/net/tcp, tcp6)."""
    found: set[str] = set()
    for name, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        path = Path("/proc/net") / name
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, state = fields[1], fields[3]
            address_hex, port_hex = local.split(":")
            if state != "0A" or int(port_hex, 16) != port:  # 0A = LISTEN
                continue
            raw = bytes.fromhex(address_hex)
            # The kernel prints each 32-bit word in host (little-endian) byte order.
            words = b"".join(struct.pack("<I", w) for w in struct.unpack(f">{len(raw) // 4}I", raw))
            found.add(socket.inet_ntop(family, words))
    return found


def _local_ipv4_addresses() -> set[str]:
    """This machine's IPv4 interface addresses (from /proc/net/fib_trie), loopback excluded."""
    path = Path("/proc/net/fib_trie")
    if not path.exists():
        return set()
    addresses: set[str] = set()
    last = None
    for line in path.read_text().splitlines():
        text = line.strip()
        if text.startswith(("|--", "+--")):
            last = text.split()[1]
        elif "/32 host LOCAL" in text and last and not last.startswith("127."):
            addresses.add(last)
    return addresses


def _assert_loopback_only(host: str, port: int) -> None:
    listeners = _proc_net_listeners(port)
    if listeners:  # /proc/net is this network namespace's view; the server is a child of ours
        assert listeners == {"127.0.0.1"}, f"port {port} listens on {sorted(listeners)}, not only 127.0.0.1"
    for address in sorted(_local_ipv4_addresses()):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(3)
            try:
                sock.connect((address, port))
            except OSError:
                continue
        pytest.fail(f"dagster dev answers on {address}:{port}; it must listen on 127.0.0.1 only")
    with socket.create_connection((host, port), timeout=5):
        pass


# --- browser helpers ----------------------------------------------------------------------

@contextlib.contextmanager
def _screenshot_on_failure(driver, folder: Path, server):
    try:
        yield
    except BaseException:
        shot = folder / "dagster_ui_failure.png"
        try:
            driver.save_screenshot(str(shot))
            print(f"\nscreenshot of the failing page ({driver.current_url}): {shot}")
        except Exception as exc:  # the browser itself may be the failure
            print(f"\nno screenshot ({exc!r})")
        print(f"dagster dev log: {server.log_path}\n{server.log_tail(40)}")
        raise


def _visible(elements):
    out = []
    for element in elements:
        try:
            if element.is_displayed():
                out.append(element)
        except Exception:  # stale while React re-renders
            continue
    return out


def _dismiss_welcome(driver) -> None:
    """Close the "Join the Dagster community" dialog a fresh browser profile gets."""
    from selenium.webdriver.common.by import By

    for button in _visible(driver.find_elements(
            By.XPATH, "//div[contains(@class,'dialog')]//button[normalize-space()='Skip']")):
        with contextlib.suppress(Exception):
            button.click()


def _launch_dialog(driver):
    """The visible dialog offering to launch the materialisation, if any."""
    from selenium.webdriver.common.by import By

    for dialog in _visible(driver.find_elements(By.CSS_SELECTOR, "[class*='-dialog'], [role='dialog']")):
        if _launch_buttons(dialog):
            return dialog
    return None


def _launch_buttons(dialog):
    from selenium.webdriver.common.by import By

    return _visible(dialog.find_elements(
        By.XPATH, ".//button[starts-with(normalize-space(), 'Launch') or normalize-space()='Materialize']"))


def _launched(server) -> tuple[list[dict], list[dict]]:
    data = server.graphql(RUNS_QUERY)
    runs, backfills = data["runsOrError"], data["partitionBackfillsOrError"]
    assert runs["__typename"] == "Runs", runs
    assert backfills["__typename"] == "PartitionBackfills", backfills
    return runs["results"], backfills["results"]


def _press_materialize_all(driver, server) -> str:
    """Press "Materialize all" and confirm whatever launch dialog the UI shows."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    xpath = "//button[starts-with(normalize-space(), 'Materialize all')]"
    WebDriverWait(driver, UI_TIMEOUT).until(
        lambda d: any(b.is_enabled() for b in _visible(d.find_elements(By.XPATH, xpath))),
        "no enabled 'Materialize all' button on the asset graph",
    )
    time.sleep(1)  # the welcome dialog opens shortly after the page
    _dismiss_welcome(driver)
    _visible(driver.find_elements(By.XPATH, xpath))[0].click()

    deadline = time.monotonic() + UI_TIMEOUT
    chose_partitions = False
    while time.monotonic() < deadline:
        runs, backfills = _launched(server)
        if runs or backfills:
            return "backfill" if backfills else "run"
        _dismiss_welcome(driver)
        dialog = _launch_dialog(driver)
        if dialog is not None:
            all_partitions = _visible(dialog.find_elements(By.XPATH, ".//button[normalize-space()='All']"))
            if all_partitions and not chose_partitions:
                # Partitioned assets in the selection: materialise every partition.
                all_partitions[0].click()
                chose_partitions = True
                time.sleep(0.5)
                continue
            buttons = [b for b in _launch_buttons(dialog) if b.is_enabled()]
            if buttons:
                buttons[0].click()
                time.sleep(2)
                continue
        time.sleep(1)
    pytest.fail("pressing 'Materialize all' launched neither a run nor a backfill")


def _failure_details(server, runs: list[dict]) -> str:
    lines = []
    for run in runs:
        if run["status"] in {"SUCCESS", "QUEUED", "NOT_STARTED"}:
            continue
        lines.append(f"run {run['runId']}: {run['status']}")
        with contextlib.suppress(Exception):
            data = server.graphql(FAILURE_QUERY, {"runId": run["runId"]})
            for event in data["runOrError"]["eventConnection"]["events"]:
                if event["__typename"] == "ExecutionStepFailureEvent":
                    lines.append(f"  step {event['stepKey']}: {event['error']['message'].strip()[:500]}")
                elif event["__typename"] == "RunFailureEvent":
                    lines.append(f"  {event['message']}")
                elif event["__typename"] == "EngineEvent" and event.get("error"):
                    lines.append(f"  {event['message']}: {event['error']['message'].strip()[:500]}")
    return "\n".join(lines)


def _wait_for_success(server) -> list[dict]:
    """Poll the GraphQL API until every run and backfill is finished; all must succeed."""
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        runs, backfills = _launched(server)
        finished = (runs and all(r["status"] in TERMINAL_RUN for r in runs)
                    and all(b["status"] not in ACTIVE_BACKFILL for b in backfills))
        if finished:
            # A backfill may still submit runs between two of its daemon ticks: look again.
            time.sleep(2)
            again, backfills = _launched(server)
            if len(again) == len(runs) and all(b["status"] not in ACTIVE_BACKFILL for b in backfills):
                break
            continue
        if runs and any(r["status"] in {"FAILURE", "CANCELED"} for r in runs):
            break
        if time.monotonic() > deadline:
            states = sorted(f"{r['status']}" for r in runs)
            pytest.fail(f"runs not finished after {RUN_TIMEOUT:.0f} s: {states}, "
                        f"backfills {[b['status'] for b in backfills]}")
        time.sleep(3)
    failed = [r for r in runs if r["status"] != "SUCCESS"]
    bad_backfills = [b for b in backfills if b["status"] not in GOOD_BACKFILL]
    if failed or bad_backfills:
        counts = {status: sum(r["status"] == status for r in runs) for status in {r["status"] for r in runs}}
        pytest.fail(f"materialisation failed: runs {counts}, backfills {backfills}\n"
                    f"{_failure_details(server, runs)}")
    materializations = server.graphql(MATERIALIZATION_QUERY)["assetNodeOrError"]["assetMaterializations"]
    assert materializations, "the runs succeeded but main_effect_table has no materialisation"
    return runs


def _page_text(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.TAG_NAME, "body").text


def _find_markdown_preview(driver):
    """The rendered Markdown (title in bold, a table with the row); None until it is shown."""
    from selenium.webdriver.common.by import By

    for container in _visible(driver.find_elements(By.CSS_SELECTOR, ".dagster-markdown")):
        titles = _visible(container.find_elements(By.XPATH, f".//strong[normalize-space()='{TITLE}']"))
        cells = _visible(container.find_elements(By.XPATH, f".//table//td[normalize-space()='{ROW}']"))
        if titles and cells:
            return titles[0], cells[0]
    return None


def _show_markdown_link(driver):
    """The "[Show Markdown]" link of the asset's ``table`` metadata entry."""
    from selenium.webdriver.common.by import By

    links = _visible(driver.find_elements(
        By.XPATH, "//tr[td[1][normalize-space()='table']]//a[normalize-space()='[Show Markdown]']"))
    return links[0] if links else None


def _open_main_effect_table(driver, base_url: str):
    """Open the asset's page, open its ``table`` metadata entry and find the rendered preview.

    The overview tab shows the latest materialisation's metadata; the events tab lists it
    too, so it is the fallback.
    """
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    for path in ("/assets/main_effect_table", "/assets/main_effect_table?view=events"):
        driver.get(base_url + path)
        try:
            link = WebDriverWait(driver, UI_TIMEOUT / 2).until(
                lambda d: _find_markdown_preview(d) or _show_markdown_link(d))
            if isinstance(link, tuple):  # rendered in place
                return link
            _dismiss_welcome(driver)
            link.click()
            return WebDriverWait(driver, UI_TIMEOUT / 2).until(lambda d: _find_markdown_preview(d))
        except TimeoutException:
            continue
    pytest.fail(f"no rendered preview with the title {TITLE!r} and a row {ROW!r} on the "
                f"main_effect_table asset page")


# --- the test ------------------------------------------------------------------------------

def test_materialize_all_in_the_ui_and_read_the_main_table(dagster_dev, browser, tmp_path):
    _assert_loopback_only(dagster_dev.host, dagster_dev.port)
    driver = browser
    with _screenshot_on_failure(driver, tmp_path, dagster_dev):
        driver.get(f"{dagster_dev.base_url}/asset-groups")
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(driver, UI_TIMEOUT).until(
            lambda d: "Global asset lineage" in _page_text(d), "the global asset lineage did not open")

        launched = _press_materialize_all(driver, dagster_dev)
        runs = _wait_for_success(dagster_dev)
        assert runs, launched

        # Back in the UI: the runs page lists them as succeeded.
        driver.get(f"{dagster_dev.base_url}/runs")
        WebDriverWait(driver, UI_TIMEOUT).until(
            lambda d: any(word in _page_text(d) for word in ("Success", "Completed")),
            "the runs page shows no successful run or completed backfill")

        title, cell = _open_main_effect_table(driver, dagster_dev.base_url)
        assert title.text.strip() == TITLE
        assert cell.text.strip() == ROW
        # The preview is a rendered table, not Markdown source.
        assert "| " + ROW not in _page_text(driver)

    published = Path(dagster_dev.env["CLUSTER_IMPACT_OUT"]) / "tables" / "main_effect.md"
    assert published.exists(), f"{published} was not written"
