"""JSON-LD with the contexts bundled in ``contexts/``: nothing is fetched at run time.

A context URL that is not bundled is refused (``UnknownContext``), so a credential can
never make this process reach the network.
"""

import functools
import json
from pathlib import Path

from pyld import jsonld
from pyld.jsonld import JsonLdError

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"
# VC 2.0's @vocab for terms no context defines.
ISSUER_DEPENDENT = "https://www.w3.org/ns/credentials/issuer-dependent#"


class UnknownContext(ValueError):
    pass


class UndefinedTerms(ValueError):
    """JSON-LD would drop these properties, so a signature would not cover them."""

    def __init__(self, terms):
        self.terms = sorted({t for t in terms if t})
        super().__init__("These terms are not defined by the document's contexts, so a "
                         "signature cannot cover them: " + ", ".join(self.terms[:10]) + ".")


@functools.cache
def _index() -> dict[str, dict]:
    return json.loads((CONTEXTS_DIR / "index.json").read_text())


@functools.cache
def bundled_context(url: str) -> dict:
    entry = _index().get(url)
    if entry is None:
        raise UnknownContext(f"The JSON-LD context {url} is not bundled with Kapstone.")
    return json.loads((CONTEXTS_DIR / entry["file"]).read_text())


def document_loader(url: str, options=None) -> dict:
    """pyld's loader. The "static" tag lets pyld keep each bundled context processed in
    its shared cache, instead of re-processing every context for every credential."""
    try:
        document = bundled_context(url)
    except UnknownContext as exc:
        raise JsonLdError(str(exc), "jsonld.LoadDocumentError", code="loading document failed") from exc
    return {"contextUrl": None, "documentUrl": url, "document": document, "tag": "static"}


def _options(**extra) -> dict:
    return {"documentLoader": document_loader, **extra}


def canonicalize(document: dict) -> str:
    """RDF Dataset Canonicalization (RDFC-1.0, the URDNA2015 algorithm) as N-Quads, in
    "safe mode": a property JSON-LD would silently drop raises ``UndefinedTerms``."""
    dropped: list[str] = []
    nquads = jsonld.JsonLdProcessor(on_property_dropped=dropped.append).normalize(
        document, _options(algorithm="URDNA2015", format="application/n-quads")
    )
    if dropped:
        raise UndefinedTerms(dropped)
    return nquads


def check_terms(document: dict) -> None:
    """Raise ``UndefinedTerms`` for properties no context defines (or UnknownContext /
    JsonLdError for contexts that are not bundled or not valid)."""
    dropped: list[str] = []
    jsonld.expand(document, _options(), on_property_dropped=dropped.append)
    if dropped:
        raise UndefinedTerms(dropped)


def undefined_terms(document: dict) -> list[str]:
    """Terms no context defines. VC 2.0 maps them to its "issuer-dependent" vocabulary
    instead of dropping them (so a signature still covers them), but a credential meant
    for others to read should not rely on that."""
    found: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key.startswith(ISSUER_DEPENDENT):
                    found.add(key[len(ISSUER_DEPENDENT):])
                if key == "@type":
                    for t in value if isinstance(value, list) else [value]:
                        if isinstance(t, str) and t.startswith(ISSUER_DEPENDENT):
                            found.add(t[len(ISSUER_DEPENDENT):])
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(jsonld.expand(document, _options()))
    return sorted(found)
