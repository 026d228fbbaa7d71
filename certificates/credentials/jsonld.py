"""JSON-LD with the contexts bundled in ``contexts/``: nothing is fetched at run time.

A context URL that is not bundled is refused (``UnknownContext``), so a credential can
never make this process reach the network.

Everything that turns a document into RDF goes through :func:`safe_expand`, signing and
verifying alike, so what Kapstone signs is exactly what any other JSON-LD processor
reads: a term JSON-LD would drop, or an IRI that is not absolute, is an error naming it
(JSON-LD "safe mode"), never a silently different graph. Counted budgets
(:mod:`.limits`) bound the work before and during canonicalization.
"""

import functools
import json
import re
from pathlib import Path

from pyld import jsonld
from pyld.jsonld import JsonLdError

from .limits import LIMITS, Limits, TooComplex, budgeted_canonicalizer, check_dataset, check_shape

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"
# VC 2.0's @vocab for terms no context defines.
ISSUER_DEPENDENT = "https://www.w3.org/ns/credentials/issuer-dependent#"
# A relative IRI is resolved against the document's base. Kapstone's documents have no
# base, so we give PyLD one that cannot occur in a real document and refuse any IRI
# that comes back under it; PyLD would otherwise use its own placeholder base
# (http://example.org/base/), which no other processor does, and sign that graph.
RELATIVE_BASE = "https://relative-iri.kapstone.invalid/"
_PYLD_PLACEHOLDER_BASE = "http://example.org/base/"
# A scheme, then no character RFC 3987 forbids in an IRI: JSON-LD 1.1 processors drop a
# statement whose IRI is not well formed, PyLD does not.
_ABSOLUTE_IRI = re.compile(r'^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>"{}|^`\\]*$')

__all__ = [
    "LIMITS", "Limits", "TooComplex", "SafeModeError", "UndefinedTerms", "NotAbsoluteIris",
    "UnknownContext", "bundled_context", "document_loader", "safe_expand", "to_dataset",
    "canonicalize", "check_terms", "issuer_dependent_terms", "undefined_terms",
]


class UnknownContext(ValueError):
    pass


class SafeModeError(ValueError):
    """The document does not mean, as RDF, what its JSON says: signing or verifying it
    would cover a different graph. ``terms`` names the offending terms."""

    reason = ""

    def __init__(self, terms):
        self.terms = sorted({t for t in terms if t})
        super().__init__(self.reason + ": " + ", ".join(self.terms[:10]) + ".")


class UndefinedTerms(SafeModeError):
    """JSON-LD would drop these properties, so a signature would not cover them."""

    reason = ("These terms are not defined by the document's contexts, so a signature "
              "cannot cover them")


class NotAbsoluteIris(SafeModeError):
    """These types or identifiers do not expand to absolute IRIs, so each JSON-LD
    processor would read them differently (or drop them)."""

    reason = ("These types or identifiers are not defined by the document's contexts and "
              "are not absolute IRIs, so processors disagree on what they mean")


@functools.cache
def _index() -> dict[str, dict]:
    return json.loads((CONTEXTS_DIR / "index.json").read_text())


@functools.cache
def _bundled_text(url: str) -> str:
    entry = _index().get(url)
    if entry is None:
        raise UnknownContext(f"The JSON-LD context {url} is not bundled with Kapstone.")
    return (CONTEXTS_DIR / entry["file"]).read_text()


def bundled_context(url: str) -> dict:
    """The bundled context document for ``url`` (a fresh copy: callers may change it)."""
    return json.loads(_bundled_text(url))


def document_loader(url: str, options=None) -> dict:
    """pyld's loader. The "static" tag lets pyld keep each bundled context processed in
    its shared cache, instead of re-processing every context for every credential."""
    try:
        document = bundled_context(url)
    except UnknownContext as exc:
        raise JsonLdError(str(exc), "jsonld.LoadDocumentError", code="loading document failed") from exc
    return {"contextUrl": None, "documentUrl": url, "document": document, "tag": "static"}


def _options(**extra) -> dict:
    return {"documentLoader": document_loader, "base": RELATIVE_BASE, **extra}


def _not_absolute(iri) -> str | None:
    """The term behind ``iri`` if it is not an absolute IRI, else None."""
    if not isinstance(iri, str):
        return repr(iri)
    for base in (RELATIVE_BASE, _PYLD_PLACEHOLDER_BASE):
        if iri.startswith(base):
            return iri[len(base):] or iri
    if iri.startswith("_:") or not _ABSOLUTE_IRI.match(iri):
        return iri
    return None


def _unsafe_iris(expanded) -> list[str]:
    """Types, property IRIs, datatypes and node identifiers in an expanded document that
    are not absolute IRIs. Node identifiers may be blank nodes; types and properties may
    not (RDF has no blank-node predicates; PyLD would drop those quads silently)."""
    found: list[str] = []

    def check(iri, blank_ok=False):
        if blank_ok and isinstance(iri, str) and iri.startswith("_:"):
            return
        term = _not_absolute(iri)
        if term is not None:
            found.append(term)

    def walk(node):
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        if "@value" in node:
            if "@type" in node and node["@type"] != "@json":
                check(node["@type"])
            return
        for key, value in node.items():
            if key == "@id":
                check(value, blank_ok=True)
            elif key == "@type":
                for item in value if isinstance(value, list) else [value]:
                    check(item)
            elif key in ("@graph", "@list", "@set", "@included"):
                walk(value)
            elif key == "@reverse":
                for prop, items in value.items():
                    check(prop)
                    walk(items)
            elif not key.startswith("@"):
                check(key)
                walk(value)

    walk(expanded)
    return found


def safe_expand(document: dict) -> list:
    """Expand ``document`` in JSON-LD safe mode: the one check signing and verifying
    share. Raises ``TooComplex`` (limits), ``UndefinedTerms`` (a property would be
    dropped), ``NotAbsoluteIris`` (a type or IRI is relative or a blank-node oddity),
    ``JsonLdError`` (invalid JSON-LD, a context that is not bundled)."""
    check_shape(document)
    dropped: list[str] = []
    expanded = jsonld.expand(document, _options(), on_property_dropped=dropped.append)
    if dropped:
        raise UndefinedTerms(dropped)
    unsafe = _unsafe_iris(expanded)
    if unsafe:
        raise NotAbsoluteIris(unsafe)
    return expanded


def to_dataset(document: dict, limits: Limits = LIMITS) -> dict:
    """The document's RDF dataset (PyLD's form), after safe mode and within ``limits``."""
    expanded = safe_expand(document)
    dataset = jsonld.JsonLdProcessor().to_rdf(expanded, _options())
    check_dataset(dataset, limits)
    return dataset


def canonicalize(document: dict, limits: Limits = LIMITS) -> str:
    """RDF Dataset Canonicalization (RDFC-1.0, the URDNA2015 algorithm) as N-Quads, in
    safe mode and within the counted budgets (``TooComplex`` past them)."""
    dataset = to_dataset(document, limits)
    return budgeted_canonicalizer(limits).main(dataset, {"format": "application/n-quads"})


def check_terms(document: dict) -> None:
    """Raise ``SafeModeError`` for terms no context defines or IRIs that are not absolute
    (or UnknownContext / JsonLdError for contexts that are not bundled or not valid)."""
    safe_expand(document)


def issuer_dependent_terms(expanded) -> list[str]:
    """Terms an expanded document maps to VC 2.0's "issuer-dependent" vocabulary: a
    signature covers them, but a credential meant for others to read should not rely on
    them."""
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

    walk(expanded)
    return sorted(found)


def undefined_terms(document: dict) -> list[str]:
    """Terms of ``document`` that fall to the issuer-dependent vocabulary."""
    return issuer_dependent_terms(safe_expand(document))
