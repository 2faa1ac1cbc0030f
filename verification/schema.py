"""JSON Schema conformance of Open Badges 3.0 credentials (OB 3.0 §9 step 1, 1EdTechJsonSchemaValidator2019).

The 1EdTech schemas are bundled in verification/schemas/ and served from a local registry: a schema URL named
by a credential is only ever mapped to a bundled file, never fetched. Unknown schema URLs are reported as
skipped.

Two deliberate adaptations, both documented in docs/verification.md:

* Compaction. The OB serialization rules let `type`, `proof`, `credentialSchema` and `termsOfUse` (and, in
  practice, `identifier`) be a single object instead of a one-element array, but the canonical schema demands
  arrays. Before validation, a copy of the credential is normalized: wherever the schema expects an array for
  one of those properties and the credential has a single value, the value is wrapped. This is what the
  spec's own `json-ld/` schema variants allow.
* VCDM 1.1. The bundled schema is written for VCDM 2.0. VCDM 1.1 credentials (kept verifiable by the spec)
  are validated against a relaxed copy: the first @context item is the VCDM 1.1 one, `issuanceDate`
  replaces `validFrom` as the required date and `expirationDate` is allowed. Every Open Badges rule still
  applies.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft201909Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable

from verification import budget

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
ACHIEVEMENT = "achievementcredential"
ENDORSEMENT = "endorsementcredential"
PROFILE = "profile"

_PURL = "https://purl.imsglobal.org/spec/ob/v3p0/schema/"
# Every published name of a schema we bundle. The `json-ld/` variants are the compaction-tolerant ones and
# `anyachievementcredential` the VCDM-1.1-tolerant one; normalization and the relaxed 1.1 rules give the
# same tolerance with the canonical file.
KNOWN_SCHEMAS: dict[str, str] = {
    _PURL + "json/ob_v3p0_achievementcredential_schema.json": ACHIEVEMENT,
    _PURL + "json-ld/ob_v3p0_achievementcredential_schema.json": ACHIEVEMENT,
    _PURL + "json/ob_v3p0_anyachievementcredential_schema.json": ACHIEVEMENT,
    _PURL + "json-ld/ob_v3p0_anyachievementcredential_schema.json": ACHIEVEMENT,
    _PURL + "json/ob_v3p0_achievementcredential-jsonschema1.json": ACHIEVEMENT,
    _PURL + "json/ob_v3p0_endorsementcredential_schema.json": ENDORSEMENT,
    _PURL + "json-ld/ob_v3p0_endorsementcredential_schema.json": ENDORSEMENT,
    _PURL + "json/ob_v3p0_endorsementcredential-jsonschema1.json": ENDORSEMENT,
    _PURL + "json/ob_v3p0_profile_schema.json": PROFILE,
    _PURL + "json/ob_v3p0_profile-jsonschema1.json": PROFILE,
}
# "JsonSchemaValidator2019" is a typo in the spec's class text (errata, issue #581) that issuers copied;
# "JsonSchema" is the VCDM 2.0 name of the same mechanism.
SCHEMA_TYPES = frozenset({"1EdTechJsonSchemaValidator2019", "JsonSchemaValidator2019", "JsonSchema"})
COMPACTABLE = frozenset({"type", "proof", "credentialSchema", "termsOfUse", "identifier"})
MAX_ISSUES = 50
_MAX_DEPTH = 64


@dataclass(frozen=True)
class SchemaIssue:
    """One violation: `path` in dotted form (`credentialSubject.achievement.name`, `proof[0].type`)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass
class SchemaResult:
    """What was validated against what. `issues` empty means conformant to every schema applied."""

    applied: list[str] = field(default_factory=list)  # bundled schema names (achievementcredential, …)
    issues: list[SchemaIssue] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # credentialSchema entries not validated, with why
    vcdm: str = "2.0"
    relaxed: bool = False  # validated with the VCDM 1.1 relaxed rules

    @property
    def ok(self) -> bool:
        return not self.issues


# --------------------------------------------------------------------------------------------------------------
# Loading


@cache
def _bundled(name: str) -> dict[str, Any]:
    with (SCHEMA_DIR / f"{name}.json").open(encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


def _relaxed_for_vcdm11(schema: dict[str, Any]) -> dict[str, Any]:
    relaxed = copy.deepcopy(schema)
    relaxed["$id"] = schema["$id"].replace(".json", "-vcdm11-relaxed.json")
    targets = [relaxed, relaxed.get("$defs", {}).get("EndorsementCredential")]
    for target in targets:
        if not isinstance(target, dict) or "properties" not in target:
            continue
        properties = target["properties"]
        context = properties.get("@context")
        if isinstance(context, dict) and isinstance(context.get("items"), list) and context["items"]:
            context["items"][0] = {"enum": [VC_V1]}
        date = {"type": "string", "format": "date-time"}
        properties.setdefault("issuanceDate", dict(date))
        properties.setdefault("expirationDate", dict(date))
        required = target.get("required", [])
        target["required"] = ["issuanceDate" if item == "validFrom" else item for item in required]
    return relaxed


_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_format_checker = FormatChecker(formats=())


@_format_checker.checks("date-time")
def _is_date_time(value: object) -> bool:
    # RFC 3339 date-time (the schema's `format`), checked here so the result does not depend on which
    # optional format libraries happen to be installed.
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))
    except ValueError:
        return False
    return True


def _within_budget(keyword: Any) -> Any:
    # The keywords that descend into an object's properties or an array's items: checking the verification's
    # time budget there bounds validation of a large document (TooComplex stops it; the check is then
    # indeterminate).
    def checked(validator: Any, value: Any, instance: Any, schema: Any) -> Any:
        budget.check()
        return keyword(validator, value, instance, schema)

    return checked


_BudgetedValidator = validators.extend(  # type: ignore[no-untyped-call]  # untyped in jsonschema's stubs
    Draft201909Validator,
    {name: _within_budget(Draft201909Validator.VALIDATORS[name]) for name in ("properties", "items", "contains")},
)


@cache
def _validator(name: str, relaxed: bool) -> Validator:
    schema = _bundled(name)
    if relaxed:
        schema = _relaxed_for_vcdm11(schema)
    # Only the bundled files are resolvable: a `$ref` to anything else fails instead of being fetched.
    registry: Registry = Registry().with_resources(
        (_bundled(item)["$id"], Resource.from_contents(_bundled(item))) for item in (ACHIEVEMENT, ENDORSEMENT, PROFILE)
    )
    validator: Validator = _BudgetedValidator(schema, registry=registry, format_checker=_format_checker)
    return validator


def _refuse_retrieval(uri: str) -> Any:
    raise ValueError(f"{uri} is not bundled; schemas are never fetched")


@cache
def _fast_validator(name: str, relaxed: bool) -> jsonschema_rs.Validator | None:
    """The same schema compiled by jsonschema-rs, which only says whether a document conforms (in microseconds,
    against jsonschema's 0.6 ms for a credential); jsonschema explains the documents it refuses, so every message
    comes from one place. The same formats are checked, with the same function; `date` is checked here and not
    there, so this side is only ever stricter, and a document it refuses goes to jsonschema, whose answer stands.
    None if the schema does not compile here (jsonschema then decides alone)."""
    schema = _bundled(name)
    if relaxed:
        schema = _relaxed_for_vcdm11(schema)
    registry = jsonschema_rs.Registry(
        [(_bundled(item)["$id"], _bundled(item)) for item in (ACHIEVEMENT, ENDORSEMENT, PROFILE)],
        retriever=_refuse_retrieval,
    )
    try:
        return jsonschema_rs.Draft201909Validator(
            schema,
            formats={"date-time": _is_date_time},
            validate_formats=True,
            registry=registry,
            offline=True,
        )
    except (jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError, ValueError):
        return None


def _conforms(name: str, relaxed: bool, document: Any) -> bool:
    """True when the compiled schema accepts `document`; False when it refuses it or cannot tell."""
    fast = _fast_validator(name, relaxed)
    if fast is None:
        return False
    try:
        return fast.is_valid(document)
    except (ValueError, TypeError, OverflowError, RecursionError):  # not JSON as parsed from a request
        return False


# --------------------------------------------------------------------------------------------------------------
# Normalization of compacted properties


def _deref(schema: Any, root: dict[str, Any]) -> Any:
    seen = 0
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and schema["$ref"].startswith("#/"):
        seen += 1
        if seen > 20:
            return {}
        target: Any = root
        for part in schema["$ref"][2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        schema = target
    return schema if isinstance(schema, dict) else {}


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    return "other"


def _applicable(schema: Any, root: dict[str, Any], instance: object, depth: int = 0) -> Iterator[dict[str, Any]]:
    """The subschemas (after $ref and allOf/oneOf/anyOf) that could describe `instance`."""
    schema = _deref(schema, root)
    if not schema or depth > 16:
        return
    declared = schema.get("type")
    if isinstance(declared, str) and declared != _kind(instance):
        return
    yield schema
    for keyword in ("allOf", "oneOf", "anyOf"):
        for branch in schema.get(keyword, []) or []:
            yield from _applicable(branch, root, instance, depth + 1)


def _expects_array(schema: Any, root: dict[str, Any]) -> bool:
    schema = _deref(schema, root)
    if schema.get("type") == "array":
        return True
    branches = schema.get("allOf")
    return bool(branches) and all(_expects_array(branch, root) for branch in branches)


def _normalize(instance: Any, schema: Any, root: dict[str, Any], depth: int = 0) -> None:
    """Wrap compacted single values in place, wherever the schema expects an array (COMPACTABLE only)."""
    if depth > _MAX_DEPTH:
        return
    budget.check()
    subschemas = list(_applicable(schema, root, instance))
    if isinstance(instance, dict):
        for key in list(instance):
            if key == "@context":
                continue
            property_schemas = [
                s["properties"][key]
                for s in subschemas
                if isinstance(s.get("properties"), dict) and key in s["properties"]
            ]
            if not property_schemas:
                continue
            value = instance[key]
            if (
                key in COMPACTABLE
                and not isinstance(value, list)
                and any(_expects_array(s, root) for s in property_schemas)
            ):
                value = instance[key] = [value]
            for property_schema in property_schemas:
                _normalize(value, property_schema, root, depth + 1)
    elif isinstance(instance, list):
        for s in subschemas:
            items = s.get("items")
            if isinstance(items, dict):
                for item in instance:
                    _normalize(item, items, root, depth + 1)


def normalize_compacted(document: dict[str, Any], schema_name: str = ACHIEVEMENT) -> dict[str, Any]:
    """A copy of `document` with compacted single values wrapped in arrays where the schema wants arrays."""
    normalized = copy.deepcopy(document)
    root = _bundled(schema_name)
    _normalize(normalized, root, root)
    return normalized


# --------------------------------------------------------------------------------------------------------------
# Messages


def _format_path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return {"object": "an object", "array": "an array", "string": "a string"}.get(_kind(value), "a value")


def _short(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _expected(schema_value: Any) -> str:
    if isinstance(schema_value, dict):
        if "enum" in schema_value:
            return " or ".join(repr(item) for item in schema_value["enum"])
        if "const" in schema_value:
            return repr(schema_value["const"])
    return "the required item"


def _issues_from(error: ValidationError) -> list[SchemaIssue]:
    if error.validator in ("oneOf", "anyOf") and error.context:
        # Report the branch that came closest (e.g. the Profile object missing its id), not "matches nothing".
        # Branches rejected only because the value has another JSON type (the URI-string form of a
        # ProfileRef when an object was given) say nothing useful.
        here = list(error.absolute_path)
        relevant = [e for e in error.context if not (e.validator == "type" and list(e.absolute_path) == here)]
        deepest = best_match(relevant or error.context)
        if deepest is not None:
            return _issues_from(deepest)
    path = _format_path(error.absolute_path)
    validator = error.validator
    value: Any = error.validator_value  # the schema keyword's value (the stubs also allow jsonschema's `_unset`)
    instance = error.instance
    if validator == "required":
        missing = [name for name in value if isinstance(instance, dict) and name not in instance]
        return [SchemaIssue(_join(path, name), "required property is missing") for name in missing]
    if validator == "type":
        wanted = value if isinstance(value, str) else " or ".join(value)
        article = "an" if str(wanted)[:1] in "aeiou" else "a"
        message = f"expected {article} {wanted}, got {_json_kind(instance)}"
    elif validator == "enum":
        message = f"must be one of {', '.join(repr(item) for item in value)}; got {_short(instance)}"
    elif validator == "const":
        message = f"must be {value!r}; got {_short(instance)}"
    elif validator == "pattern":
        message = f"{_short(instance)} does not have the required form"
    elif validator == "contains":
        message = f"must include {_expected(value)}"
    elif validator == "minItems":
        message = f"must have at least {value} item{'s' if value != 1 else ''}"
    elif validator == "format":
        message = f"{_short(instance)} is not a valid {value}"
    elif validator in ("oneOf", "anyOf"):
        message = "does not match any of the allowed forms"
    else:
        message = error.message
    return [SchemaIssue(path or "(credential)", message)]


def _collect(validator: Validator, document: dict[str, Any]) -> list[SchemaIssue]:
    issues: list[SchemaIssue] = []
    seen: set[tuple[str, str]] = set()
    try:
        errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    except Unresolvable as exc:
        return [SchemaIssue("", f"The schema refers to {exc.ref!r}, which is not bundled.")]
    except RecursionError:
        return [SchemaIssue("", "The document is nested too deeply to validate.")]
    for error in errors:
        for issue in _issues_from(error):
            if (issue.path, issue.message) not in seen:
                seen.add((issue.path, issue.message))
                issues.append(issue)
    return issues[:MAX_ISSUES]


# --------------------------------------------------------------------------------------------------------------
# Selection and validation


def _types(document: dict[str, Any]) -> list[Any]:
    declared = document.get("type")
    return declared if isinstance(declared, list) else [declared]


def vcdm_version(document: dict[str, Any]) -> str:
    """ "1.1" when the first @context item is the VCDM 1.1 context, else "2.0"."""
    context = document.get("@context")
    first = context[0] if isinstance(context, list) and context else context
    return "1.1" if first == VC_V1 else "2.0"


def _default_schema(document: dict[str, Any]) -> str | None:
    types = _types(document)
    if "EndorsementCredential" in types:
        return ENDORSEMENT
    if "OpenBadgeCredential" in types or "AchievementCredential" in types:
        return ACHIEVEMENT
    return None


# Validation is a pure function of the document (the schemas are bundled and never change while the process runs),
# and most of a verification's time: the results of the documents seen last are kept, keyed by a digest of the
# document's JSON with sorted keys, so a credential verified again (its verification page opened by each employer it
# is sent to) is not validated again.
_KEPT_RESULTS = 4096
_kept_results: OrderedDict[bytes, SchemaResult] = OrderedDict()
_kept_lock = threading.Lock()


def evaluate_schema(credential: dict[str, Any]) -> SchemaResult:
    """Validate against the schemas the credential names (bundled ones only) or, when it names none we
    know, against the bundled schema for its type."""
    try:
        text = json.dumps(credential, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):  # not JSON as parsed from a request: validate without keeping the result
        return _evaluate_schema(credential)
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
    with _kept_lock:
        kept = _kept_results.get(digest)
        if kept is not None:
            _kept_results.move_to_end(digest)
    if kept is None:
        kept = _evaluate_schema(credential)
        with _kept_lock:
            _kept_results[digest] = kept
            while len(_kept_results) > _KEPT_RESULTS:
                _kept_results.popitem(last=False)
    # A copy: callers may add to what they are given, never to what is kept.
    return replace(kept, applied=list(kept.applied), issues=list(kept.issues), skipped=list(kept.skipped))


def forget_kept_results() -> None:
    """Drop the kept results (a benchmark measuring documents seen for the first time)."""
    with _kept_lock:
        _kept_results.clear()


def _evaluate_schema(credential: dict[str, Any]) -> SchemaResult:
    result = SchemaResult(vcdm=vcdm_version(credential) if isinstance(credential, dict) else "2.0")
    if not isinstance(credential, dict):
        result.issues.append(SchemaIssue("", "A credential must be a JSON object."))
        return result
    declared = credential.get("credentialSchema")
    entries = declared if isinstance(declared, list) else ([] if declared is None else [declared])
    chosen: list[str] = []
    for entry in entries:
        if not isinstance(entry, dict):
            result.issues.append(SchemaIssue("credentialSchema", "each entry must be an object with id and type"))
            continue
        schema_id, schema_type = entry.get("id"), entry.get("type")
        if schema_type not in SCHEMA_TYPES:
            result.skipped.append(f"schema {schema_id!r} of type {schema_type!r} (validator type not supported)")
            continue
        name = KNOWN_SCHEMAS.get(schema_id) if isinstance(schema_id, str) else None
        if name is None:
            result.skipped.append(f"schema {schema_id!r} (not bundled; schemas are never fetched)")
        elif name not in chosen:
            chosen.append(name)
    if not chosen:
        default = _default_schema(credential)
        if default is not None:
            chosen.append(default)
    result.relaxed = result.vcdm == "1.1"
    for name in chosen:
        result.applied.append(name)
        # A credential the schema accepts as it is needs no normalization: normalizing only wraps a single value
        # where the schema requires an array, which the schema would have refused.
        if _conforms(name, result.relaxed, credential):
            continue
        document = normalize_compacted(credential, name)
        if not _conforms(name, result.relaxed, document):
            result.issues.extend(_collect(_validator(name, result.relaxed), document))
    if ACHIEVEMENT in chosen:
        result.issues.extend(_subject_identity_issues(credential))
    result.issues = _dedupe(result.issues)[:MAX_ISSUES]
    return result


def _subject_identity_issues(credential: dict[str, Any]) -> list[SchemaIssue]:
    # OB 3.0 §9: "Either id or at least one identifier MUST be supplied" — a rule the JSON Schema cannot say.
    subject = credential.get("credentialSubject")
    if isinstance(subject, dict) and not subject.get("id") and not subject.get("identifier"):
        return [SchemaIssue("credentialSubject", "either id or at least one identifier is required")]
    return []


def _dedupe(issues: list[SchemaIssue]) -> list[SchemaIssue]:
    seen: set[SchemaIssue] = set()
    out = []
    for issue in issues:
        if issue not in seen:
            seen.add(issue)
            out.append(issue)
    return out


def validate_credential(credential: dict[str, Any]) -> list[SchemaIssue]:
    """The schema violations of a credential (empty list = conformant). See evaluate_schema for details."""
    return evaluate_schema(credential).issues


def validate_profile(profile: dict[str, Any]) -> list[SchemaIssue]:
    """The schema violations of an issuer Profile document."""
    if not isinstance(profile, dict):
        return [SchemaIssue("", "A profile must be a JSON object.")]
    if _conforms(PROFILE, False, profile):
        return []
    normalized = normalize_compacted(profile, PROFILE)
    if _conforms(PROFILE, False, normalized):
        return []
    return _collect(_validator(PROFILE, False), normalized)
