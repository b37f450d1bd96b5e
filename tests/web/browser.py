"""What the browser tests share: the marks, a live server on 127.0.0.1, and a headless Chromium.

Needs Debian's ``chromium`` and ``chromium-driver`` (``/usr/bin/chromedriver``)
and the ``selenium`` package; it never downloads a browser.
"""

from __future__ import annotations

import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() or not CHROMEDRIVER.exists(),
                       reason="Chromium absent : installer les paquets Debian chromium et chromium-driver"),
]


@contextmanager
def live(app):
    """Serve ``app`` on 127.0.0.1, on a free port, in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def browser(tmp_path):
    """A headless Chromium driven by Selenium, with the flags this closed network needs."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium n'est pas installé (extra « test »)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
                 f"--user-data-dir={tmp_path / 'chromium-profile'}", "--window-size=1300,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(tmp_path / "chromium-profile", ignore_errors=True)


@pytest.fixture
def demo_live_server(demo_computed):
    """The computed demo served on 127.0.0.1 (accessibility results need a computed territory)."""
    from mapapp.config import load_settings
    from mapapp.web import create_app

    with live(create_app(load_settings(demo_computed[0]))) as base:
        yield base


def wait(driver, condition, timeout: float = 10):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"


def axe_violations(driver, *, tags=("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")) -> list[dict]:
    """Run axe-core (vendored, pinned: ``vendor/axe-core/VERSION``) on the current page; its violations.

    Each violation is axe's dict (``id``, ``impact``, ``help``, ``nodes``); an
    empty list means no rule of the given WCAG tags failed.
    """
    driver.set_script_timeout(30)
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(r => done(r.violations), e => done([{id: 'axe-error', help: String(e), nodes: []}]));",
        list(tags))
    return result


def describe_violations(violations: list[dict]) -> str:
    """One line per violation and node, for an assertion message."""
    return "\n".join(f"{v['id']} ({v.get('impact')}): {v['help']} — {n.get('target')}"
                     for v in violations for n in v.get("nodes", [])[:5]) or "aucune"
