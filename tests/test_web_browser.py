"""The review page in a real headless Chromium (Debian's chromium driven by Playwright):
log in, open a flagged call, click a flag and see the audio seek, dispute it, log in as the
supervisor, accept, see the new score. Screenshots go to test-artifacts/."""
from __future__ import annotations

import shutil
import socket
import threading
import time

import pytest

from .conftest import REPO
from .test_web import PASSWORD, make_site

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="module")
def site(tmp_path_factory, dev_calls, transcriber):
    """The review site in SQLite (test_web.py runs every page on PostgreSQL too)."""
    root = tmp_path_factory.mktemp("web")
    return make_site(root, dev_calls, f"sqlite:///{root / 'web.db'}")


@pytest.fixture(scope="module")
def server(site):
    import uvicorn

    from voiceqa.web.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(site, secret="browser-test-" + "y" * 20), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.fail("chromium not installed: scripts/test.sh installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"])
        yield b
        b.close()


def log_in(page, base, user):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login")
    page.wait_for_url(f"{base}/calls")


def test_dispute_round_trip_in_a_real_browser(server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    base = server
    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    log_in(page, base, "a01")
    page.screenshot(path=str(ARTIFACTS / "01_agent_calls.png"), full_page=True)
    assert page.locator("#calls").inner_text().count("call_008_stereo") == 1
    page.click("text=call_008_stereo")
    page.wait_for_selector("#player")
    page.wait_for_function("document.getElementById('player').readyState >= 1")  # metadata loaded via Range requests
    score_before = float(page.inner_text("#score"))
    links = page.locator(".flag-link")
    flag = next(links.nth(i) for i in range(links.count())
                if float(links.nth(i).get_attribute("data-t")) > 1.0 and float(links.nth(i).get_attribute("data-points")) < 0)
    target = float(flag.get_attribute("data-t"))
    flag.click()
    page.wait_for_function(f"Math.abs(document.getElementById('player').currentTime - {target}) < 0.6")
    page.screenshot(path=str(ARTIFACTS / "02_call_page_seeked.png"), full_page=True)
    flag_id = flag.get_attribute("data-flag")
    page.fill(f"#flag-{flag_id} input[name=comment]", "这句话不是我说的，是客户说的")
    page.click(f"#flag-{flag_id} .dispute-form button")
    page.wait_for_selector(f"#flag-{flag_id} .dispute[data-status=open]")
    page.screenshot(path=str(ARTIFACTS / "03_disputed.png"), full_page=True)
    page.click("header button")  # log out
    page.wait_for_url(f"{base}/login")

    log_in(page, base, "sup1")
    page.goto(f"{base}/team")
    assert "这句话不是我说的" in page.inner_text("#open-disputes")
    page.click("#open-disputes a")
    page.fill(f"#flag-{flag_id} input[name=reason]", "复核录音后确认")
    page.click(f"#flag-{flag_id} button.accept")
    page.wait_for_selector(f"#flag-{flag_id} .dispute[data-status=accepted]")
    score_after = float(page.inner_text("#score"))
    page.screenshot(path=str(ARTIFACTS / "04_supervisor_accepted.png"), full_page=True)
    assert score_after >= score_before  # the item's other flags may still use up its max_deduction
    assert "申诉已采纳" in page.inner_text(f"#flag-{flag_id}")
