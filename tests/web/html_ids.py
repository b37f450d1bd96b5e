"""The elements of a page by id (stdlib :mod:`html.parser`): tag, attributes and direct text, for form tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"input", "br", "img", "meta", "link", "hr", "source", "area", "base", "col", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""
    links: list[str] = field(default_factory=list)  # hrefs of the links inside


class _Index(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.by_id: dict[str, Element] = {}
        self.open: list[tuple[str, Element | None]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        element = Element(tag, attrs) if attrs.get("id") else None
        if element:
            self.by_id[attrs["id"]] = element
        if tag == "a" and attrs.get("href"):
            for _, parent in self.open:
                if parent is not None:
                    parent.links.append(attrs["href"])
        if tag not in VOID:
            self.open.append((tag, element))

    def handle_endtag(self, tag):
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i][0] == tag:
                del self.open[i:]
                return

    def handle_data(self, data):
        for _, element in self.open:
            if element is not None:
                element.text += data


def elements_by_id(page: str) -> dict[str, Element]:
    parser = _Index()
    parser.feed(page)
    return parser.by_id
