"""The report in a real browser, and the annotated video against its input.

A short studio performance (with its click track) goes through ``balletmirror analyze``;
the annotated video must keep the input's frames, duration and sound, and report.html,
opened in headless Chromium (Debian's chromium driven through its chromedriver by
Selenium; ``tests/setup_browser.sh`` installs them), must render its timeline and plots
and seek the video to a step when the step is clicked.  The screenshot is saved in the
test's folder (and in ``$BALLETMIRROR_SCREENSHOTS`` when set).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from balletmirror.studio.make import StudioSettings, make_performance

CHOREOGRAPHY = "5th; plie demi; pirouette en_dehors right 1; arabesque right 80"
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def analysed(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("browser")
    paths = make_performance(CHOREOGRAPHY, root / "studio", settings=StudioSettings(seed=1))
    out = root / "out"
    proc = subprocess.run([sys.executable, "-m", "balletmirror", "analyze",
                           str(paths["video"]), "-o", str(out), "--quiet"],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    return {"video": paths["video"], "out": out}


def _frames(path: Path) -> tuple[int, float, int]:
    import av

    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        times = [f.time for f in c.decode(stream)]
        return len(times), times[-1] - times[0], len(c.streams.audio)


def test_annotated_video_keeps_frames_duration_and_sound(analysed):
    n_in, span_in, audio_in = _frames(analysed["video"])
    n_out, span_out, audio_out = _frames(analysed["out"] / "annotated.mp4")
    assert n_out == n_in and span_out == pytest.approx(span_in, abs=1e-3)
    assert audio_in == audio_out == 1


def _driver():
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("Debian's chromium and chromedriver are not installed "
                    "(run tests/setup_browser.sh as root)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager: never download
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-sync",
                "--disable-component-update", "--window-size=1280,1600"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


def test_report_renders_and_seeks_in_chromium(analysed, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    report = analysed["out"] / "report.html"
    driver = _driver()
    try:
        driver.get(report.as_uri())
        wait = WebDriverWait(driver, 30)
        wait.until(lambda d: d.execute_script(
            "return document.querySelectorAll('.js-plotly-plot .main-svg').length") >= 6)
        blocks = driver.find_elements(By.CSS_SELECTOR, ".timeline .block")
        assert len(blocks) >= 2 and all(b.is_displayed() for b in blocks)
        assert len(driver.find_elements(By.CSS_SELECTOR, ".js-plotly-plot .scatterlayer "
                                                         ".trace")) >= 2
        wait.until(lambda d: d.execute_script(
            "return document.getElementById('player').readyState") >= 1)
        target = blocks[-1]
        start = float(target.get_attribute("data-seek"))
        target.click()
        wait.until(lambda d: abs(d.execute_script(
            "return document.getElementById('player').currentTime") - start) < 0.05)
        assert "current" in target.get_attribute("class")
        shot = tmp_path / "report.png"
        driver.save_screenshot(str(shot))
    finally:
        driver.quit()
    assert shot.stat().st_size > 20_000
    keep = os.environ.get("BALLETMIRROR_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "report.png")
