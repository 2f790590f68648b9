"""The model builder in Debian's Chromium with the network cut (only the server answers), as a
planner: move a weight slider and see the ranking change, save that as a scenario and find it
in study.toml, drag and key-move a transform point and see the curve redrawn; no console
error, no page error, no dialog from text in the data, at desktop and at phone width."""

from __future__ import annotations

import json
import tomllib

import pytest
from model_support import PASSWORD, make_model_study
from server_support import offline_page, served

from parkplan.accounts import open_accounts
from parkplan.run import run_study
from parkplan.study import STUDY_FILE

VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}
PAYLOAD = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = make_model_study(tmp_path_factory.mktemp("builder") / "study", category=PAYLOAD)
    run_study(root, equalise=False)
    open_accounts(root).add("piet", "planner", PASSWORD)
    with served(root) as base:
        yield base, root


def signed_in_page(browser, base: str, size: tuple[int, int]):
    """A new page of ``size``, every request outside ``base`` aborted, signed in as the
    planner; with the console errors, page errors and dialogs it records."""
    context, page, problems = offline_page(browser, base, size)
    page.goto(f"{base}/login?next=/model")
    page.fill('input[name="name"]', "piet")
    page.fill('input[name="password"]', PASSWORD)
    page.click('form button[type="submit"]')
    page.wait_for_url("**/model*")
    return context, page, problems


def ranking(page) -> list[str]:
    return page.eval_on_selector_all("#ranking tbody tr", "rows => rows.map(r => r.dataset.site)")


def wait_for_update(page, before: list[str]) -> None:
    page.wait_for_function(
        "before => JSON.stringify([...document.querySelectorAll('#ranking tbody tr')]"
        ".map(r => r.dataset.site)) !== before && !document.querySelector('.pending')",
        arg=json.dumps(before, separators=(",", ":")),
        timeout=20_000,
    )


@pytest.mark.browser
@pytest.mark.timeout(300)
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_planner_builds_the_model_with_a_live_preview(browser, server, viewport):
    base, root = server
    context, page, problems = signed_in_page(browser, base, VIEWPORTS[viewport])
    try:
        page.wait_for_selector("#ranking tbody tr", timeout=60_000)
        page.wait_for_function("() => !document.querySelector('.pending')", timeout=30_000)
        assert page.locator("#preview-image").is_visible()
        first = ranking(page)
        assert len(first) >= 3

        # a weight slider moved with the keyboard: the ranking follows
        slider = page.locator('input[data-weight="station"]')
        slider.focus()
        page.keyboard.press("Home")
        wait_for_update(page, first)
        assert ranking(page) != first and slider.input_value() == "0"

        # saved as a scenario, found in study.toml
        name = f"browser_{viewport}"
        page.check('#save-form input[value="scenario"]')
        page.fill("#save-name", name)
        page.fill("#save-description", "uit de browser")
        page.click("#save-button")
        page.wait_for_function(
            "() => document.querySelector('#save-message').className !== ''", timeout=20_000
        )
        assert page.locator("#save-message.ok").count() == 1, page.inner_text("#save-message")
        study = tomllib.loads((root / STUDY_FILE).read_text(encoding="utf-8"))
        saved = {s["name"]: s for s in study["scenarios"]}[name]
        assert saved["weights"]["station"] == 0.0 and saved["description"] == "uit de browser"

        # a transform point dragged, then moved with the arrow keys
        card = page.locator('details[data-criterion="road"]')
        card.locator("summary").click()
        knob = card.locator('circle.knob[aria-label^="d"]')
        knob.scroll_into_view_if_needed()
        field = card.locator(".point input").nth(1)
        curve = card.locator("polyline.curve-line")
        page.wait_for_function(
            "node => node.getAttribute('points') !== ''", arg=curve.element_handle()
        )
        drawn = curve.get_attribute("points")
        before = float(field.input_value())
        box = knob.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] / 2 + 40, box["y"] + box["height"] / 2, steps=5)
        page.mouse.up()
        dragged = float(field.input_value())
        assert dragged > before
        knob.focus()
        for _ in range(3):
            page.keyboard.press("ArrowLeft")
        assert float(field.input_value()) < dragged
        page.wait_for_function(
            "args => args[0].getAttribute('points') !== args[1]",
            arg=[curve.element_handle(), drawn],
            timeout=20_000,
        )

        # text from the data is shown as text
        zones = page.locator('details[data-criterion="zones"]')
        zones.locator("summary").click()
        page.wait_for_selector('details[data-criterion="zones"] table.categories')
        assert PAYLOAD in zones.inner_text()

        assert problems == []
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.timeout(120)
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_page_speaks_the_asked_language(browser, server, lang):
    base, _ = server
    context, page, problems = signed_in_page(browser, base, VIEWPORTS["desktop"])
    try:
        page.goto(f"{base}/model?lang={lang}", wait_until="networkidle")
        page.wait_for_selector("#ranking tbody tr", timeout=60_000)
        heading = {"nl": "Geschiktheidscriteria", "en": "Suitability criteria"}[lang]
        assert page.locator("#criteria-title").inner_text() == heading
        assert page.title().startswith({"nl": "Model bouwen", "en": "Build the model"}[lang])
        assert problems == []
    finally:
        context.close()
