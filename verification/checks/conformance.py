"""The `context`, `schema` and `schema_external` checks: is this an Open Badges 3.0 (or CLR 2.0) credential, in
the shape the 1EdTech JSON Schema describes."""

from __future__ import annotations

import re
from typing import Any

from verification.checks.common import types_of
from verification.datamodel import data_model_problems
from verification.report import FAILED, PASSED, SKIPPED, WARNING, Check
from verification.schema import evaluate_schema

__all__ = ["CLR_TYPE", "context_check", "data_model_check", "schema_checks"]

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
OB_CONTEXT = re.compile(r"^https://purl\.imsglobal\.org/spec/ob/v3p0/context(-3\.\d\.\d)?\.json$")
OB_CURRENT_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR_CONTEXT = re.compile(r"^https://purl\.imsglobal\.org/spec/clr/v2p0/context(-2\.\d\.\d)?\.json$")
CLR_TYPE = "ClrCredential"
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
EXTENSION_TYPES = ("1EdTechJsonSchemaValidator2019", "1EdTechRevocationList", "1EdTechCredentialRefresh")
BADGE_TYPES = ("OpenBadgeCredential", "AchievementCredential", "EndorsementCredential")
MAX_LISTED_ISSUES = 5


def _uses_extension_types(value: Any, depth: int = 0) -> bool:
    if depth > 32:
        return False
    if isinstance(value, dict):
        declared = value.get("type")
        declared = declared if isinstance(declared, list) else [declared]
        if any(item in EXTENSION_TYPES for item in declared):
            return True
        return any(_uses_extension_types(item, depth + 1) for key, item in value.items() if key != "@context")
    if isinstance(value, list):
        return any(_uses_extension_types(item, depth + 1) for item in value)
    return False


def context_check(credential: dict[str, Any], *, endorsement: bool) -> Check:
    problems: list[str] = []
    notes: list[str] = []
    context = credential.get("@context")
    contexts = [context] if isinstance(context, str) else context
    if not isinstance(contexts, list) or not contexts:
        return Check("context", FAILED, "The credential has no @context array.", "context_invalid")
    first = contexts[0]
    if first == VC_V1:
        notes.append(
            "it uses the VCDM 1.1 context: Open Badges 3.0 is built on VCDM 2.0 and accepts 1.1 credentials "
            "for verification only"
        )
    elif first != VC_V2:
        problems.append(f"the first @context item must be {VC_V2} (or the VCDM 1.1 context), not {first!r}")
    types = types_of(credential)
    if CLR_TYPE in types and not endorsement:
        return _clr_context_check(contexts, types, problems)
    ob_positions = [index for index, item in enumerate(contexts) if isinstance(item, str) and OB_CONTEXT.match(item)]
    if not ob_positions:
        problems.append(
            "the Open Badges 3.0 context (https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json) is missing"
        )
    else:
        ob_context = contexts[ob_positions[0]]
        if ob_positions[0] != 1:
            notes.append("the Open Badges context should be the second @context item")
        if ob_context != OB_CURRENT_CONTEXT:
            notes.append(
                f"it uses an older Open Badges context ({ob_context.rsplit('/', 1)[-1]}; current: context-3.0.3.json)"
            )
    if OB_EXTENSIONS not in contexts and _uses_extension_types(credential):
        notes.append(
            "it uses 1EdTech extension types without the extensions context "
            "(https://purl.imsglobal.org/spec/ob/v3p0/extensions.json)"
        )

    if "VerifiableCredential" not in types:
        problems.append("its type does not include VerifiableCredential")
    wanted = ("EndorsementCredential",) if endorsement else BADGE_TYPES
    if not any(item in wanted for item in types):
        problems.append(f"its type {types!r} includes none of {', '.join(wanted)}")

    if problems:
        return Check(
            "context", FAILED, "Not an Open Badges 3.0 credential: " + "; ".join(problems) + ".", "context_invalid"
        )
    badge_type = next(item for item in types if item in wanted)
    if notes:
        return Check("context", WARNING, f"{badge_type}, but " + "; ".join(notes) + ".", "context_warning")
    return Check("context", PASSED, f"{badge_type} with the VCDM 2.0 and Open Badges 3.0 contexts.", "context_valid")


def _clr_context_check(contexts: list[Any], types: list[Any], problems: list[str]) -> Check:
    """A CLR 2.0 ClrCredential: the VCDM 2.0 context first and the CLR 2.0 context, which defines its terms."""
    if not any(isinstance(item, str) and CLR_CONTEXT.match(item) for item in contexts):
        problems.append("the CLR 2.0 context (https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json) is missing")
    if "VerifiableCredential" not in types:
        problems.append("its type does not include VerifiableCredential")
    if problems:
        return Check("context", FAILED, "Not a CLR 2.0 credential: " + "; ".join(problems) + ".", "context_invalid")
    return Check("context", PASSED, "ClrCredential with the VCDM 2.0 and CLR 2.0 contexts.", "context_valid")


def data_model_check(credential: dict[str, Any]) -> Check:
    """The VC Data Model's document rules (verification.datamodel), the same the platform applies before it signs:
    a credential that breaks them is invalid whatever its signature says."""
    problems = data_model_problems(credential)
    if not problems:
        return Check(
            "data_model",
            PASSED,
            "The credential follows the rules of the Verifiable Credentials Data Model that a document shows.",
            "data_model_valid",
        )
    listed = "; ".join(str(problem) for problem in problems[:MAX_LISTED_ISSUES])
    more = len(problems) - MAX_LISTED_ISSUES
    tail = f"; and {more} more" if more > 0 else ""
    return Check(
        "data_model",
        FAILED,
        f"The credential breaks the Verifiable Credentials Data Model: {listed}{tail}.",
        "data_model",
    )


def schema_checks(credential: dict[str, Any]) -> list[Check]:
    result = evaluate_schema(credential)
    checks: list[Check] = []
    rules = " (VCDM 1.1 relaxed rules)" if result.relaxed else ""
    if result.issues:
        listed = "; ".join(str(issue) for issue in result.issues[:MAX_LISTED_ISSUES])
        more = len(result.issues) - MAX_LISTED_ISSUES
        tail = f"; and {more} more" if more > 0 else ""
        count = len(result.issues)
        checks.append(
            Check(
                "schema",
                FAILED,
                f"The credential does not conform to the Open Badges 3.0 JSON Schema{rules}: {count} "
                f"problem{'s' if count != 1 else ''}: {listed}{tail}.",
                "schema_invalid",
            )
        )
    elif not result.applied:
        checks.append(Check("schema", SKIPPED, "No bundled JSON Schema applies to this credential type.", "no_schema"))
    else:
        names = ", ".join(result.applied)
        checks.append(
            Check("schema", PASSED, f"The credential conforms to the JSON Schema ({names}){rules}.", "schema_valid")
        )
    if result.skipped:
        checks.append(
            Check(
                "schema_external",
                SKIPPED,
                "Not validated: " + "; ".join(result.skipped) + ".",
                "schema_not_bundled",
            )
        )
    return checks
