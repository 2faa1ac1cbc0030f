"""The RDFC-1.0 pieces both canonicalization paths share: canonical N-Quads escaping and the labelling
algorithm with its work limit.

`verification.canon` is the dispatcher on top (which engine, which path); the reference path
(`canon.PyldCanonicalizer`) and the fast path (`verification.fastrdf`) both build on this module, so
neither imports the other's internals and the two cannot disagree about escaping or about when the work
limit is reached. Two of canon's four corrections to pyld's URDNA2015 live here:

(a) Literal escaping follows RDFC-1.0 / RDF 1.2 canonical N-Quads: `"` `\\` LF CR TAB BS FF are
    written as ECHAR (`\\"` `\\\\` `\\n` `\\r` `\\t` `\\b` `\\f`), every other character in
    U+0000..U+001F and U+007F as UCHAR (`\\u` and four upper-case hex digits), everything else as itself.
    Stock pyld escapes only `\\ \\t \\n \\r "` and writes the other control characters raw, so a
    credential containing e.g. a form feed hashes differently than in rdf-canonize (JavaScript)
    and every other conforming implementation. IRIs are escaped like rdf-canonize does (UCHAR for
    U+0000..U+0020 and `<>"{}|^\\``), which also makes N-Quads injection through an IRI impossible.
(d) A work limit against dataset poisoning, reproducing rdf-canonize's `maxWorkFactor`: the
    number of Hash N-Degree Quads runs (the only super-linear step) is capped at
    (number of blank nodes that share a first-degree hash) ** max_work_factor, default factor 1,
    counted across all runs for the dataset. A crafted clique of indistinguishable blank nodes
    that makes stock URDNA2015 run for hours is refused with CanonicalizationError in
    milliseconds; ordinary credentials (alignments, results, evidence as blank nodes) have few or
    no indistinguishable blank nodes and stay far below the limit. A permutation of a group of
    indistinguishable blank nodes normally recurses, so the cap also bounds the permutations
    explored; as a safety net the permutations are counted too (1,000 per allowed deep iteration,
    plus 10,000), a bound rdf-canonize's accepted inputs do not come near.

Sorting follows the RDFC-1.0 text (Unicode code point order, which is what Python compares).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from typing import Any

from verification import budget
from verification.errors import CanonicalizationError
from verification.pyld_adapter import Dataset, Issuer, Urdna2015, clone_issuer, new_issuer, permutations

__all__ = ["RDF_LANGSTRING", "XSD_STRING", "Rdfc10", "escape_iri", "escape_literal", "serialize_quad"]

RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

# str.translate tables: one C-level pass per string, and strings without special characters
# come back unchanged.
_LITERAL_ESCAPES: dict[int, str] = {code: f"\\u{code:04X}" for code in (*range(0x20), 0x7F)}
_LITERAL_ESCAPES.update({0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"})
_IRI_ESCAPES: dict[int, str] = {code: f"\\u{code:04X}" for code in (*range(0x21), *b'<>"{}|^`\\')}


# Most strings need no escaping; a regular-expression search is far cheaper than str.translate.
_LITERAL_SPECIAL = re.compile('[\x00-\x1f"\\\\\x7f]').search
_IRI_SPECIAL = re.compile('[\x00-\x20<>"{}|^`\\\\]').search


def escape_literal(value: str) -> str:
    """The lexical form of a literal as canonical N-Quads writes it between the quotes."""
    return value.translate(_LITERAL_ESCAPES) if _LITERAL_SPECIAL(value) else value


def escape_iri(value: str) -> str:
    """An IRI as canonical N-Quads writes it between `<` and `>` (rdf-canonize's escaping)."""
    return value.translate(_IRI_ESCAPES) if _IRI_SPECIAL(value) else value


def _term(component: Mapping[str, Any]) -> str:
    if component["type"] == "blank node":
        return str(component["value"])
    return "<" + escape_iri(component["value"]) + ">"


def _object_term(component: Mapping[str, Any]) -> str:
    kind = component["type"]
    if kind == "IRI":
        return "<" + escape_iri(component["value"]) + ">"
    if kind == "blank node":
        return str(component["value"])
    text = '"' + escape_literal(component["value"]) + '"'
    datatype = component["datatype"]
    if datatype == RDF_LANGSTRING:
        language = component.get("language")
        return text + "@" + language if language else text
    if datatype != XSD_STRING:
        return text + "^^<" + escape_iri(datatype) + ">"
    return text


def serialize_quad(
    subject: Mapping[str, Any],
    predicate: Mapping[str, Any],
    obj: Mapping[str, Any],
    graph: Mapping[str, Any] | None,
) -> str:
    """One canonical N-Quads line (with its trailing newline); components in pyld's shape."""
    line = _term(subject) + " " + _term(predicate) + " " + _object_term(obj)
    if graph is not None:
        line += " " + _term(graph)
    return line + " .\n"


class Rdfc10(Urdna2015):
    """pyld's URDNA2015 with canonical escaping and a work limit (one instance per dataset).

    `hash_algorithm` is RDFC-1.0's hash function (§4.4, an implementation-specific parameter): SHA-256 by
    default; the ECDSA cryptosuites require SHA-384 with P-384 keys (VC-DI-ECDSA §3).
    """

    hash_algorithm: Callable[[], Any] = staticmethod(hashlib.sha256)

    def __init__(self, max_work_factor: float) -> None:
        super().__init__()
        self.max_work_factor = max_work_factor
        self.max_deep_iterations: float = 0
        self.remaining_deep_iterations: float = 0
        self.remaining_permutations: float = 0

    # RDFC-1.0 §4.4.3 Canonicalization Algorithm
    def canonicalize(self, dataset: Dataset) -> str:
        # 1-2) Blank node to quads map. A quad that names the same blank node twice (a self
        # loop) is referenced once, as rdf-canonize does.
        for graph_name, triples in dataset.items():
            budget.check()
            name = None
            if graph_name != "@default":
                name = {"type": "blank node" if graph_name.startswith("_:") else "IRI", "value": graph_name}
            for triple in triples:
                quad = {"subject": triple["subject"], "predicate": triple["predicate"], "object": triple["object"]}
                if name is not None:
                    quad["name"] = dict(name)
                self.quads.append(quad)
                for key in ("subject", "object", "name"):
                    component = quad.get(key)
                    if component is not None and component["type"] == "blank node":
                        quads = self.blank_node_info.setdefault(component["value"], {"quads": []})["quads"]
                        if not quads or quads[-1] is not quad:
                            quads.append(quad)
        self.issue_canonical_ids()

        # 7-8) Relabel, serialize, sort.
        canonical = self.canonical_issuer.existing

        def relabel(component: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
            if component is not None and component["type"] == "blank node":
                return {"type": "blank node", "value": canonical[component["value"]]}
            return component

        lines = [
            serialize_quad(
                relabel(quad["subject"]),  # type: ignore[arg-type]
                quad["predicate"],
                relabel(quad["object"]),  # type: ignore[arg-type]
                relabel(quad.get("name")),
            )
            for quad in self.quads
        ]
        lines.sort()
        return "".join(lines)

    def issue_canonical_ids(self) -> None:
        """Steps 3-6 over `blank_node_info` (in first-mention order): canonical identifiers in
        `canonical_issuer`. Shared with the fast path (verification.fastrdf), which loads the same
        quads in the same order and label space, so its work count is this one's by construction."""
        # 3-5) First-degree hashes. They never change, so one pass is enough (the spec's loop
        # re-hashes identical inputs); unique hashes get canonical ids in hash order.
        budget.check()
        hash_to_blank_nodes: dict[str, list[str]] = {}
        for identifier in self.blank_node_info:
            hash_to_blank_nodes.setdefault(self.hash_first_degree_quads(identifier), []).append(identifier)
        budget.check()
        non_unique: list[list[str]] = []
        for _hash, identifiers in sorted(hash_to_blank_nodes.items()):
            if len(identifiers) > 1:
                non_unique.append(identifiers)
            else:
                self.canonical_issuer.get_id(identifiers[0])

        # Work budget (rdf-canonize maxWorkFactor): deep iterations allowed for this dataset.
        non_unique_count = sum(len(identifiers) for identifiers in non_unique)
        self.max_deep_iterations = non_unique_count**self.max_work_factor if self.max_work_factor else 0
        self.remaining_deep_iterations = self.max_deep_iterations
        self.remaining_permutations = 10_000 + 1_000 * self.max_deep_iterations

        # 6) Hash N-Degree Quads for the blank nodes that first-degree hashing could not separate.
        for identifiers in non_unique:
            hash_path_list = []
            for identifier in identifiers:
                if self.canonical_issuer.has_id(identifier):
                    continue
                issuer = new_issuer("_:b")
                issuer.get_id(identifier)
                hash_path_list.append(self.hash_n_degree_quads(identifier, issuer))
            for result in sorted(hash_path_list, key=lambda item: item["hash"]):
                for existing in result["issuer"].order:
                    self.canonical_issuer.get_id(existing)

    # RDFC-1.0 §4.6 Hash First Degree Quads, with canonical escaping.
    def hash_first_degree_quads(self, id_: str) -> str:
        info = self.blank_node_info[id_]
        if "hash" in info:
            return str(info["hash"])

        def mark(component: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
            if component is not None and component["type"] == "blank node":
                return {"type": "blank node", "value": "_:a" if component["value"] == id_ else "_:z"}
            return component

        nquads = sorted(
            serialize_quad(mark(q["subject"]), q["predicate"], mark(q["object"]), mark(q.get("name")))  # type: ignore[arg-type]
            for q in info["quads"]
        )
        md = self.create_hash()
        md.update("".join(nquads).encode("utf-8"))
        digest: str = md.hexdigest()
        info["hash"] = digest
        return digest

    def create_hash(self) -> Any:
        # pyld's Hash Related Blank Node asks this too, so one attribute chooses the hash of every step.
        return self.hash_algorithm()

    # RDFC-1.0 §4.8 Hash N-Degree Quads, counted against the work budget.
    def _refuse(self) -> CanonicalizationError:
        return CanonicalizationError(
            "The credential's RDF data has too many blank nodes that cannot be told apart "
            f"(more than {self.max_deep_iterations:g} deep iterations of Hash N-Degree Quads); "
            "it is refused as a possible dataset-poisoning attack."
        )

    def hash_n_degree_quads(self, id_: str, issuer: Issuer) -> dict[str, Any]:
        if self.remaining_deep_iterations <= 0:
            raise self._refuse()
        self.remaining_deep_iterations -= 1
        # The work limit bounds the number of runs, not what one run costs (a blank node with thousands of
        # neighbours): the time budget bounds that.
        budget.check()

        hash_to_related = self.create_hash_to_related(id_, issuer)
        md = self.create_hash()
        for related_hash in sorted(hash_to_related):
            md.update(related_hash.encode("utf-8"))
            chosen_path = ""
            chosen_issuer = None
            for permutation in permutations(hash_to_related[related_hash]):
                self.remaining_permutations -= 1
                if self.remaining_permutations < 0:
                    raise self._refuse()
                budget.check()
                issuer_copy = clone_issuer(issuer)
                path = ""
                recursion_list = []
                skip = False
                for related in permutation:
                    if self.canonical_issuer.has_id(related):
                        path += self.canonical_issuer.get_id(related)
                    else:
                        if not issuer_copy.has_id(related):
                            recursion_list.append(related)
                        path += issuer_copy.get_id(related)
                    # A longer path can only compare greater once it already does, so comparing
                    # lexicographically alone prunes exactly what the spec's test prunes.
                    if chosen_path and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                for related in recursion_list:
                    result = self.hash_n_degree_quads(related, issuer_copy)
                    path += issuer_copy.get_id(related)
                    path += "<" + result["hash"] + ">"
                    issuer_copy = result["issuer"]
                    if chosen_path and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                if not chosen_path or path < chosen_path:
                    chosen_path = path
                    chosen_issuer = issuer_copy
            md.update(chosen_path.encode("utf-8"))
            # Set by the first permutation, which nothing can skip (there is no chosen path to compare with yet).
            assert chosen_issuer is not None
            issuer = chosen_issuer
        return {"hash": md.hexdigest(), "issuer": issuer}
