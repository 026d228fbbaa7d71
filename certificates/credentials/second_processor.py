"""A second, independent JSON-LD processor and canonicalizer: pyoxigraph (Oxigraph, in
Rust, other authors than PyLD), to check that what Kapstone signs is what others read.

It parses the JSON-LD document itself, not PyLD's N-Quads: the bug this guards against
(issue 16: an undefined type PyLD resolved against its placeholder base) was in the
JSON-LD → RDF step. pyoxigraph's Python ``parse`` has no document loader, so the
remote contexts are replaced by the bundled files' ``@context`` values
before parsing (the bundled contexts hold no nested remote contexts, no ``@import`` and
no ``@base``, so inlining them changes nothing else). No base IRI is given: a relative
IRI is then not made absolute, as in every processor that has no base.
"""

import json

import pyoxigraph

from .jsonld import bundled_context


class SecondProcessorError(ValueError):
    pass


def _inline_contexts(node):
    """A copy of ``node`` with every context URL (at any depth: embedded credentials carry
    their own) replaced by the bundled context it names."""
    if isinstance(node, list):
        return [_inline_contexts(item) for item in node]
    if not isinstance(node, dict):
        return node
    inlined = {key: _inline_contexts(value) for key, value in node.items() if key != "@context"}
    if "@context" in node:
        context = node["@context"]
        contexts = context if isinstance(context, list) else [context]
        inlined["@context"] = [bundled_context(c)["@context"] if isinstance(c, str) else c
                               for c in contexts]
    return inlined


def canonical_nquads(document: dict) -> str:
    """RDFC-1.0 canonical N-Quads of ``document``, by pyoxigraph from the JSON-LD."""
    try:
        text = json.dumps(_inline_contexts(document))
        quads = pyoxigraph.parse(text, pyoxigraph.RdfFormat.JSON_LD)
        dataset = pyoxigraph.Dataset(quads)
    except (SyntaxError, ValueError) as exc:
        raise SecondProcessorError(f"pyoxigraph could not read it as JSON-LD: {exc}") from exc
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    serialized = pyoxigraph.serialize(dataset, format=pyoxigraph.RdfFormat.N_QUADS).decode()
    return "".join(sorted(line + "\n" for line in serialized.splitlines() if line))


def disagreement(document: dict, signing_nquads: str) -> str | None:
    """None when pyoxigraph reads ``document`` as ``signing_nquads`` (the signing path's
    canonical N-Quads); otherwise what differs, in a sentence."""
    try:
        theirs = canonical_nquads(document)
    except SecondProcessorError as exc:
        return str(exc)
    if theirs == signing_nquads:
        return None
    ours_only = sorted(set(signing_nquads.splitlines()) - set(theirs.splitlines()))
    theirs_only = sorted(set(theirs.splitlines()) - set(signing_nquads.splitlines()))
    return (f"A second JSON-LD processor (pyoxigraph) reads it differently: "
            f"{len(signing_nquads.splitlines())} statements signed, {len(theirs.splitlines())} "
            f"read; only signed: {ours_only[:3]}; only read: {theirs_only[:3]}.")
