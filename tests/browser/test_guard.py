"""The page guard itself: it sees foreign requests (and stops them), console and page errors."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.support import PageGuard

# Nothing listens on port 9 of this host; the guard must abort the request before it is tried.
FOREIGN = "http://192.0.2.1:9"


def guarded_page(new_context, live_server):
    guard = PageGuard(live_server.origin)
    # The app's Content-Security-Policy would stop these requests before the guard sees them:
    # bypass it here, to test the guard alone.
    context = new_context(base_url=live_server.url, bypass_csp=True)
    guard.attach(context)
    page = context.new_page()
    page.goto("/healthz")
    return guard, page


def test_guard_aborts_and_reports_requests_outside_the_app(new_context, live_server):
    guard, page = guarded_page(new_context, live_server)
    outcome = page.evaluate(
        f"""fetch("{FOREIGN}/tracker.js").then(() => "loaded", (e) => "blocked: " + e.name)"""
    )
    assert outcome == "blocked: TypeError"
    assert guard.foreign_requests == [f"GET {FOREIGN}/tracker.js"]
    assert any("request outside the app" in problem for problem in guard.problems())


def test_guard_lets_the_app_and_data_urls_through(new_context, live_server):
    guard, page = guarded_page(new_context, live_server)
    status = page.evaluate("fetch('/healthz').then((r) => r.status)")
    assert status == 200
    page.set_content('<img id="dot" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">')
    expect(page.locator("#dot")).to_be_attached()
    guard.check()


def test_guard_reports_console_and_uncaught_errors(new_context, live_server):
    guard, page = guarded_page(new_context, live_server)
    page.evaluate("console.error('boom from the console')")
    page.evaluate("setTimeout(() => { throw new Error('boom uncaught'); }, 0)")
    page.wait_for_timeout(200)
    problems = guard.problems()
    assert any("console error: boom from the console" in problem for problem in problems)
    assert any("uncaught page error: Error: boom uncaught" in problem for problem in problems)


def test_an_expected_console_error_can_be_allowed(new_context, live_server):
    guard, page = guarded_page(new_context, live_server)
    guard.allow_console_error(r"^expected: ")
    page.evaluate("console.error('expected: a refused form')")
    page.wait_for_timeout(100)
    assert guard.console_errors and not guard.problems()
