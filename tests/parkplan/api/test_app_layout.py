"""The web app's page layout: menu, language switch, escaping, and its static files."""

from __future__ import annotations

import jinja2
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from parkplan.api.app_pages import MENU, TEMPLATES, render_page
from parkplan.api.routers import docs

PAGE = "{% extends 'base.html.j2' %}{% block content %}<p id=x>{{ value }}</p>{% endblock %}"


def layout_app() -> FastAPI:
    app = FastAPI()
    app.include_router(docs.router)

    @app.get("/probe")
    def probe(request: Request, lang: str = "nl"):
        request.state.csrf_token = "tok<en>"
        request.state.user_name = 'Eva "<b>"'
        loader = jinja2.ChoiceLoader([jinja2.DictLoader({"probe.html.j2": PAGE}), TEMPLATES.loader])
        env = TEMPLATES.overlay(loader=loader)
        return render_page(
            request,
            "probe.html.j2",
            lang=lang,
            title="T",
            current="map",
            templates=env,
            value="<script>x",
        )

    return app


def test_the_layout_escapes_every_value_and_links_every_menu_entry() -> None:
    page = TestClient(layout_app()).get("/probe?lang=nl&x=1").text
    assert "&lt;script&gt;x" in page and "<script>x" not in page
    assert 'content="tok&lt;en&gt;"' in page
    assert "Eva &#34;&lt;b&gt;&#34;" in page
    for item in MENU:
        assert f'href="{item.path}"' in page
    assert 'href="/map" aria-current="page">Kaart<' in page
    assert 'href="/probe?x=1&amp;lang=en"' in page


def test_english_pages_keep_english_through_the_menu() -> None:
    page = TestClient(layout_app()).get("/probe?lang=en").text
    assert 'href="/map?lang=en" aria-current="page">Map<' in page
    assert ">Nederlands<" in page and 'href="/probe?lang=nl"' in page


def test_app_static_serves_only_named_files_of_its_folder() -> None:
    client = TestClient(layout_app())
    css = client.get("/app-static/app.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert ".menu" in css.text
    for probe in ("../app_pages.py", "..%2Fapp_pages.py", "nope.css", "app_pages.py"):
        assert client.get(f"/app-static/{probe}").status_code == 404
