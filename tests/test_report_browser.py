"""The HTML report in a real browser: headless Chromium opens it, logs no console errors, renders every figure.

Skipped (with the reason) when Chromium, chromedriver or selenium is absent; `.ci/run` installs them.
A screenshot of the whole page is saved to ``tmp/report_screenshot.png`` for a human to look at.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from study_support import small_study

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOT = Path(__file__).resolve().parent.parent / "tmp" / "report_screenshot.png"


def _driver():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found ({CHROMIUM}); install the Debian package 'chromium'")
    if not Path(DRIVER).exists():
        pytest.skip(f"chromedriver not found ({DRIVER}); install the Debian package 'chromium-driver'")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1600"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        return webdriver.Chrome(service=Service(DRIVER), options=opts)
    except Exception as exc:  # noqa: BLE001 - any start-up failure of the browser means: cannot test here
        pytest.skip(f"headless Chromium could not start: {str(exc).splitlines()[0]}")


def test_report_renders_in_chromium(tmp_path):
    run = small_study(tmp_path, render=True)
    html = run.reports["html"]
    driver = _driver()
    try:
        driver.get(html.resolve().as_uri())
        images = driver.find_elements("tag name", "img")
        assert len(images) >= 8, f"only {len(images)} figures in the report"
        broken = [img.get_attribute("alt") for img in images
                  if not driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", img)]
        assert not broken, f"figures not rendered: {broken}"
        errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        assert not errors, f"console errors: {errors}"
        assert driver.find_element("css selector", "h1").text.startswith("Small")
        assert not driver.find_elements("tag name", "script"), "the report must not contain scripts"
        SCREENSHOT.parent.mkdir(exist_ok=True)
        height = driver.execute_script("return document.body.scrollHeight")
        driver.set_window_size(1280, min(int(height), 16000))
        assert driver.save_screenshot(str(SCREENSHOT))
    finally:
        driver.quit()
