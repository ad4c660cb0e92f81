"""The pages work under their Content-Security-Policy: nothing they load or run is blocked."""
from __future__ import annotations

import aiohttp
import pytest
from playwright.async_api import Page, expect

from tests.browser_support import CONSOLE_SIZE, HALL_SCREEN, WALL, Tabs, sign_in_on_console
from tests.support import KIOSK

pytestmark = pytest.mark.browser

# Every violation the page reports, as the browser's own event and its console line.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


def recording(lines: list[str]):
    """A tab set-up that records CSP violations and every console line from the first script on."""
    async def setup(page: Page) -> None:
        page.on("console", lambda message: lines.append(message.text))
        await page.add_init_script(RECORD_VIOLATIONS)
    return setup


def refusals(lines: list[str]) -> list[str]:
    return [line for line in lines if "Content Security Policy" in line or "Refused to" in line]


async def test_console_and_screen_run_under_the_policy_and_a_call_reaches_the_screen(tabs: Tabs):
    lines: list[str] = []
    console = await tabs.open("/console", CONSOLE_SIZE, setup=recording(lines))
    screen = await tabs.open(f"/screen?token={HALL_SCREEN}", WALL, setup=recording(lines))
    await expect(screen.page.locator("body")).to_have_attribute("data-live", "online")  # its websocket is up

    async with aiohttp.ClientSession(tabs.base) as http:
        issued = await http.post("/api/v1/tickets", json={"service": "A01"}, headers=KIOSK)
        assert issued.status == 201
    await sign_in_on_console(console, "zhangwei", 15)
    await expect(console.page.locator("#queue-total")).to_have_text("共 1 人等候")
    await console.page.locator("body").press("n")
    await expect(console.page.locator("#current-number")).to_have_text("A001")
    await expect(screen.page.locator("#now-number")).to_have_text("A001")

    for tab in (console, screen):
        tab.assert_clean()
        assert await tab.page.evaluate("() => window.cspViolations") == []
    assert refusals(lines) == []

    # ... and the policy is in force: injected inline code is refused, not run.
    ran = await console.page.evaluate("""() => new Promise((resolve) => {
        document.addEventListener("securitypolicyviolation", () => resolve(window.injectedRan === true));
        const script = document.createElement("script");
        script.textContent = "window.injectedRan = true";
        document.body.append(script);
    })""")
    assert ran is False
