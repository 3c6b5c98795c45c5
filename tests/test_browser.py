"""Pages in a real headless Chromium (the system's, driven by Playwright), fully offline."""

from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import sync_playwright

from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium():
    """The system Chromium. Started after the test's data exists: Playwright's sync API runs an
    event loop, and Django refuses ORM calls while one is running in the thread."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def test_login_and_api_docs_load_nothing_from_outside(live_server_proc):
    make_user("planner", username="perencana", password="a-long-pass-123")
    with chromium() as browser:
        check_login_and_docs(browser, live_server_proc)


def check_login_and_docs(browser, live_server_proc):
    page = browser.new_page(locale="id-ID", extra_http_headers={"Accept-Language": "id"})
    requested_hosts = set()
    page.on("request", lambda req: requested_hosts.add(urlsplit(req.url).netloc))

    page.goto(f"{live_server_proc.base}/")
    assert page.url.startswith(f"{live_server_proc.base}/login/")
    page.fill("input[name=username]", "perencana")
    page.fill("input[name=password]", "a-long-pass-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server_proc.base}/")
    assert "Anda masuk sebagai Perencana" in page.inner_text("main")

    page.goto(f"{live_server_proc.base}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15000)
    assert "Siaga 112" in page.inner_text(".swagger-ui .info .title")
    assert requested_hosts == {urlsplit(live_server_proc.base).netloc}


def test_wrong_password_is_shown_and_switching_to_english_works(live_server_proc):
    make_user("operator", username="op", password="a-long-pass-123")
    with chromium() as browser:
        check_wrong_password_and_language(browser, live_server_proc)


def check_wrong_password_and_language(browser, live_server_proc):
    page = browser.new_page(extra_http_headers={"Accept-Language": "id"})
    page.goto(f"{live_server_proc.base}/login/")
    page.fill("input[name=username]", "op")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    assert page.inner_text("[role=alert]") == "Nama pengguna atau kata sandi salah."
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.inner_text("h1") == "Log in"
