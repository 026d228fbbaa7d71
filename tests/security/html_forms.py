"""Find the forms a page offers, as a browser would see them.

The fuzz test walks every page each role can open and collects the ``<form>``s in it,
so a form is fuzzed the moment a template renders it, whoever wrote the view.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit


@dataclass
class Field:
    name: str
    kind: str  # text, textarea, select, radio, checkbox, file, hidden, number, date, ...
    values: list[str] = field(default_factory=list)  # options, or the value a browser sends
    multiple: bool = False


@dataclass
class Form:
    page: str
    action: str
    method: str
    enctype: str
    fields: dict[str, Field] = field(default_factory=dict)

    def valid_data(self) -> dict[str, list[str]]:
        """What the browser would send untouched: defaults, first options, ticked boxes."""
        data: dict[str, list[str]] = {}
        for f in self.fields.values():
            if f.kind == "file":
                continue
            if f.values:
                data[f.name] = f.values[:1]
        return data


class _Parser(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def _add(self, name: str, kind: str, value: str | None, multiple: bool = False):
        if self._form is None or not name:
            return
        existing = self._form.fields.get(name)
        if existing is None:
            existing = self._form.fields[name] = Field(name, kind, multiple=multiple)
        if value is not None and value not in existing.values:
            existing.values.append(value)

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            action = urljoin(self.page, a.get("action") or self.page)
            self._form = Form(
                page=self.page, action=urlsplit(action).path + (
                    "?" + urlsplit(action).query if urlsplit(action).query else ""),
                method=(a.get("method") or "get").lower(),
                enctype=a.get("enctype", ""),
            )
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                if a.get("name"):
                    self._add(a["name"], "submit", a.get("value", ""))
                return
            if kind in ("checkbox", "radio"):
                self._add(a.get("name", ""), kind, a.get("value", "on"), multiple=kind == "checkbox")
            elif kind == "file":
                self._add(a.get("name", ""), "file", None)
            else:
                self._add(a.get("name", ""), kind, a.get("value", ""))
        elif tag == "button" and a.get("name"):
            self._add(a["name"], "submit", a.get("value", ""))
        elif tag == "select":
            self._add(a.get("name", ""), "select", None, multiple="multiple" in a)
            self._select = self._form.fields.get(a.get("name", ""))
        elif tag == "option" and self._select is not None:
            self._select.values.append(a.get("value", ""))
        elif tag == "textarea":
            self._add(a.get("name", ""), "textarea", None)
            self._textarea = self._form.fields.get(a.get("name", ""))

    def handle_data(self, data):
        if self._textarea is not None and not self._textarea.values:
            self._textarea.values.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_in(page: str, html: str) -> list[Form]:
    parser = _Parser(page)
    parser.feed(html)
    return parser.forms
