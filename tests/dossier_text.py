"""What a reader sees of a dossier, and the words that betray an untranslated text.

:func:`visible_text` drops the page's head, its styles and every element marked
``translate="no"`` (names of layers, files, hashes and sources shown as given), then the tags;
:func:`untranslated` lists what is left that should not be there: identifiers written with
underscores, figures never filled in, and words of the other language.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

#: English words that never belong in the Dutch dossier.
ENGLISH = (
    "the",
    "and",
    "with",
    "which",
    "when",
    "than",
    "site",
    "sites",
    "weight",
    "weights",
    "share",
    "shares",
    "key",
    "keys",
    "municipality",
    "municipalities",
    "first",
    "ranked",
    "draws",
    "assumed",
    "illustrative",
    "transfers",
    "payer",
    "income",
    "costs",
    "yes",
    "none",
    "stays",
    "loses",
    "alone",
    "together",
    "value",
    "unknown",
    "chapter",
    "page",
    "warning",
    "run",
    "fits",
    "given",
    "per year",
    "cost",
    "land",
    "park",
    "host",
)
#: Dutch words that never belong in the English dossier.
DUTCH = (
    "de",
    "het",
    "een",
    "van",
    "en",
    "niet",
    "ja",
    "nee",
    "voor",
    "bij",
    "zijn",
    "met",
    "gemeente",
    "gemeenten",
    "locatie",
    "verdeelsleutel",
    "jaar",
    "aandeel",
    "gewicht",
    "hoofdstuk",
    "pagina",
    "waarschuwing",
    "berekening",
    "onbekend",
    "kosten",
    "opbrengsten",
)
SNAKE = re.compile(r"(?<![\w.-])[A-Za-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w-])")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


class _Visible(HTMLParser):
    """Collects the text outside <head>, <style>, <script> and ``translate="no"`` elements."""

    VOID = frozenset({"meta", "link", "br", "img", "hr", "input", "col", "area", "base", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        hidden = (
            (self.stack and self.stack[-1])
            or tag in ("head", "style", "script")
            or (dict(attrs).get("translate") == "no")
        )
        self.stack.append(bool(hidden))

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _Visible()
    parser.feed(page)
    return unescape(" ".join(" ".join(parser.parts).split()))


def untranslated(page: str, lang: str) -> list[str]:
    """Every identifier, unfilled figure and word of the other language a reader would see."""
    text = visible_text(page)
    found = [f"identifier {m}" for m in SNAKE.findall(text)]
    found += [f"placeholder {m}" for m in PLACEHOLDER.findall(text)]
    for word in ENGLISH if lang == "nl" else DUTCH:
        pattern = (
            rf"(?<![\w\-’'])(?i:{re.escape(word)})(?![\w\-’'])"
            if lang == "nl"
            else (rf"(?<![\w\-’']){re.escape(word)}(?![\w\-’'])")
        )
        for match in re.finditer(pattern, text):
            start = max(0, match.start() - 40)
            found.append(f"{word!r} in …{text[start : match.end() + 40]}…")
    return found
