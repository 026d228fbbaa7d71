"""Counted budgets, so that no document can make JSON-LD processing or canonicalization
run for long: a public verifier must answer "too complex to verify" instead.

1. Before any JSON-LD work, :func:`check_shape` walks the JSON (without recursion) and
   stops at the first limit passed: characters, nesting depth, objects, values.
2. After JSON-LD → RDF, :func:`check_dataset` counts statements and blank nodes.
3. During canonicalization, :class:`BudgetedURDNA2015` counts the work of RDFC-1.0's
   Hash N-Degree Quads, the step that is factorial on "poison graphs" (blank nodes all
   linked to one another). RDFC-1.0 §4.4 (Security Considerations) asks implementations
   to bound it; PyLD has no public hook for that, so this subclass wraps the two methods
   that do the work. It charges one unit per call and, before a call walks the
   permutations of a group of k indistinguishable related blank nodes, k! units for
   them: counting calls alone would let one call with 12 such nodes run 479 million
   permutations. Results are unchanged (``tests/certificates/test_limits.py`` runs the
   W3C vectors and every fixture through it).

Tests assert these counts, never the clock.
"""

import math
from dataclasses import dataclass

from pyld.canon import URDNA2015


@dataclass(frozen=True)
class Limits:
    max_chars: int = 512 * 1024          # JSON text (strings and keys, counted as walked)
    max_depth: int = 32                  # nested objects and arrays
    max_objects: int = 2_000             # JSON objects: each may become an RDF node
    max_values: int = 20_000             # object members and array items
    max_statements: int = 5_000          # RDF quads after JSON-LD → RDF
    max_blank_nodes: int = 500           # distinct blank nodes in those quads
    max_n_degree_calls: int = 500        # calls to Hash N-Degree Quads, RDFC-1.0 §4.8
    max_permutations: int = 30_000       # permutations those calls may walk, in total


LIMITS = Limits()


class TooComplex(ValueError):
    """The document is past a counted budget: it is "too complex to verify".

    ``limit`` names the budget (a field of :class:`Limits`), ``budget`` its value and
    ``used`` how much had been counted when the work stopped."""

    def __init__(self, limit: str, budget: int, used: int, what: str):
        self.limit, self.budget, self.used = limit, budget, used
        super().__init__(f"{what} (limit {budget:,}).")


def check_shape(document, limits: Limits = LIMITS) -> None:
    """Raise ``TooComplex`` if the JSON is past the size, depth, object or value limits.
    Stops at the first limit passed, so the walk itself is bounded."""
    chars = objects = values = 0
    stack = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limits.max_depth:
            raise TooComplex("max_depth", limits.max_depth, depth,
                             f"It is nested more than {limits.max_depth} levels deep")
        if isinstance(node, dict):
            objects += 1
            values += len(node)
            for key, value in node.items():
                chars += len(key) + 4
                stack.append((value, depth + 1))
        elif isinstance(node, list):
            values += len(node)
            stack.extend((item, depth + 1) for item in node)
        elif isinstance(node, str):
            chars += len(node) + 2
        else:
            chars += 8
        if objects > limits.max_objects:
            raise TooComplex("max_objects", limits.max_objects, objects,
                             f"It has more than {limits.max_objects:,} JSON objects")
        if values > limits.max_values:
            raise TooComplex("max_values", limits.max_values, values,
                             f"It has more than {limits.max_values:,} values")
        if chars > limits.max_chars:
            raise TooComplex("max_chars", limits.max_chars, chars,
                             f"It is longer than {limits.max_chars:,} characters")


def check_dataset(dataset: dict, limits: Limits = LIMITS) -> None:
    """Raise ``TooComplex`` if PyLD's RDF dataset has too many statements or blank nodes."""
    statements = sum(len(triples) for triples in dataset.values())
    if statements > limits.max_statements:
        raise TooComplex("max_statements", limits.max_statements, statements,
                         f"It makes {statements:,} RDF statements")
    blank = {name for name in dataset if name.startswith("_:")}
    for triples in dataset.values():
        for triple in triples:
            for position in ("subject", "object"):
                if triple[position]["type"] == "blank node":
                    blank.add(triple[position]["value"])
    if len(blank) > limits.max_blank_nodes:
        raise TooComplex("max_blank_nodes", limits.max_blank_nodes, len(blank),
                         f"It has {len(blank):,} blank nodes")


class BudgetedURDNA2015(URDNA2015):
    """PyLD's RDFC-1.0 (URDNA2015) that counts its Hash N-Degree Quads work and raises
    ``TooComplex`` past the budget (see the module docstring for why)."""

    def __init__(self, limits: Limits = LIMITS):
        super().__init__()
        self.limits = limits
        self.n_degree_calls = 0
        self.permutations = 0

    def hash_n_degree_quads(self, id_, issuer):
        self.n_degree_calls += 1
        if self.n_degree_calls > self.limits.max_n_degree_calls:
            raise TooComplex("max_n_degree_calls", self.limits.max_n_degree_calls,
                             self.n_degree_calls,
                             "Canonicalizing its blank nodes needs too many steps")
        return super().hash_n_degree_quads(id_, issuer)

    def create_hash_to_related(self, id_, issuer):
        # Called by hash_n_degree_quads just before it walks, for each group of related
        # blank nodes with the same hash, every permutation of the group.
        hash_to_related = super().create_hash_to_related(id_, issuer)
        for related in hash_to_related.values():
            # factorial(k) > budget is decided without computing huge factorials.
            cost = math.factorial(min(len(related), 13))
            self.permutations += cost
            if self.permutations > self.limits.max_permutations:
                raise TooComplex("max_permutations", self.limits.max_permutations,
                                 self.permutations,
                                 "Canonicalizing its blank nodes needs too many steps")
        return hash_to_related


def budgeted_canonicalizer(limits: Limits = LIMITS) -> BudgetedURDNA2015:
    return BudgetedURDNA2015(limits)
