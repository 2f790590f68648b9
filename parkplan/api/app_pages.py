"""The web app's own pages: one layout around each page's body.

The layout (``templates/base.html.j2``) carries the menu, the language switch, the signed-in
user and the page's CSRF token (``<meta name="csrf-token">``, read by the pages' scripts and
sent back as the ``X-CSRF-Token`` header). Every value a template prints is escaped; text from
data (study, layer, scenario names) is never template source. Pages are in Dutch unless
``?lang=en``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

import jinja2
from fastapi import Query, Request
from fastapi.responses import HTMLResponse

Lang = Literal["nl", "en"]
LangQuery = Annotated[Lang, Query(description="Language of the page: nl (default) or en.")]

TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("parkplan.api", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


@dataclass(frozen=True)
class MenuItem:
    """One entry of the menu: its key (for the labels), its path."""

    key: str
    path: str


MENU = (
    MenuItem("home", "/"),
    MenuItem("layers", "/layers"),
    MenuItem("model", "/model"),
    MenuItem("runs", "/runs"),
    MenuItem("map", "/map"),
    MenuItem("compare", "/compare"),
    MenuItem("equalisation", "/equalisation"),
    MenuItem("report", "/report"),
)

LAYOUT_TEXT: Mapping[Lang, Mapping[str, str]] = {
    "nl": {
        "home": "Studie",
        "layers": "Lagen",
        "model": "Model",
        "runs": "Berekeningen",
        "map": "Kaart",
        "compare": "Vergelijken",
        "equalisation": "Verevening",
        "report": "Dossier",
        "menu": "Menu",
        "other_language": "English",
        "signed_in_as": "Aangemeld als",
        "sign_out": "Afmelden",
        "skip": "Naar de inhoud",
    },
    "en": {
        "home": "Study",
        "layers": "Layers",
        "model": "Model",
        "runs": "Runs",
        "map": "Map",
        "compare": "Compare",
        "equalisation": "Equalisation",
        "report": "Dossier",
        "menu": "Menu",
        "other_language": "Nederlands",
        "signed_in_as": "Signed in as",
        "sign_out": "Sign out",
        "skip": "Skip to content",
    },
}


def other_language_url(request: Request, lang: Lang) -> str:
    """The current page (path and query, no host) in the other language."""
    url = request.url.include_query_params(lang="en" if lang == "nl" else "nl")
    return f"{url.path}?{url.query}"


def render_page(
    request: Request,
    template: str,
    *,
    lang: Lang,
    title: str,
    current: str,
    status_code: int = 200,
    templates: jinja2.Environment = TEMPLATES,
    **context: object,
) -> HTMLResponse:
    """The page ``template`` (which extends ``base.html.j2``) in the layout, as a response.

    ``current`` is the menu key of the page; ``context`` the template's own values.
    """
    page = templates.get_template(template).render(
        lang=lang,
        title=title,
        current=current,
        menu=MENU,
        layout=LAYOUT_TEXT[lang],
        other_language_url=other_language_url(request, lang),
        csrf_token=getattr(request.state, "csrf_token", ""),
        user=getattr(request.state, "user_name", None),
        **context,
    )
    return HTMLResponse(page, status_code=status_code)
