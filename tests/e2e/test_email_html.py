"""The HTML email in a real browser (Debian's Chromium, driven by Playwright): a phone (360 px)
and a desktop (1280 px), light and dark mode. The page is never wider than the screen (a long
link wraps), the column is at most 600 px, every text keeps a WCAG AA contrast (4.5:1) with
what is behind it, and the join section comes before the sign-off. Screenshots go to pytest's
temporary directory (printed), never into git. Needs no local stack."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.domain.emails.context import JoinDetails
from shared.domain.emails.languages import phrases
from shared.domain.emails.render import render_email
from shared.domain.models import EmailType, Language
from tests.support.emails import email_context

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
LONG_URL = "https://api.vclinks.test/v1/j/" + "a1B2c3D4e5" * 24  # 270 characters, no break opportunity
STYLES = """(selector) => {
  const el = document.querySelector(selector);
  let bg = el, color = getComputedStyle(el).color, back = 'rgba(0, 0, 0, 0)';
  while (bg) {
    back = getComputedStyle(bg).backgroundColor;
    if (back !== 'rgba(0, 0, 0, 0)' && back !== 'transparent') break;
    bg = bg.parentElement;
  }
  return [color, back];
}"""


def luminance(css: str) -> float:
    red, green, blue = (int(v) / 255 for v in re.findall(r"\d+", css)[:3])

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def contrast(one: str, two: str) -> float:
    light, dark = sorted((luminance(one), luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert shutil.which("chromium"), "Chromium is needed: `make chromium` (Debian's package) installs it"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("email-screenshots")
    print(f"\nemail screenshots: {folder}")
    return folder


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [360, 1280])
def test_the_email_reads_well_on_a_phone_and_a_desktop_in_light_and_dark_mode(
    browser: Any, shots: Path, width: int, scheme: str
) -> None:
    join = JoinDetails(url=LONG_URL, password="pw-7781", description="Camera on, please", provider="Zoom")
    context = email_context(
        email_type=EmailType.REMINDER,
        language=Language.FR,
        client_join=join,
        service_name="Méditation guidée",
    )
    html = render_email(context).html
    wording = phrases(Language.FR).email
    page_context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = page_context.new_page()
    try:
        page.set_content(html, wait_until="load")
        page.screenshot(path=str(shots / f"reminder-fr-{width}-{scheme}.png"), full_page=True)

        assert page.evaluate("document.documentElement.scrollWidth") <= width
        card = page.locator(".card").bounding_box()
        assert card is not None
        assert card["width"] <= 600
        assert card["x"] + card["width"] <= width

        for selector in (".card p", ".join h2", ".join p strong", ".join p.muted", ".join p.muted a"):
            color, back = page.evaluate(STYLES, selector)
            assert contrast(color, back) >= 4.5, (selector, color, back)
        button_color, button_back = page.evaluate(
            "() => { const s = getComputedStyle(document.querySelector('a.button'));"
            " return [s.color, s.backgroundColor]; }"
        )
        assert contrast(button_color, button_back) >= 4.5
        card_back = page.evaluate("getComputedStyle(document.querySelector('.card')).backgroundColor")
        assert (luminance(card_back) < 0.05) is (scheme == "dark")  # dark mode really is dark

        button = page.locator("a.button")
        assert button.inner_text() == wording.join_button
        assert button.get_attribute("href") == LONG_URL
        text = page.inner_text("body")
        assert text.index(wording.join_heading) < text.index(wording.signoff)  # section, then sign-off
    finally:
        page_context.close()
