"""Each check of a verification report in the reader's language (docs/decisions.md D53): its title, its status
word, and what it found, in plain words for a reader who is not an engineer.

The verifier (`verification/`) writes its messages in English, composed from many parts with data (key ids,
URLs, dates), and the verify API returns them unchanged. A translation of those messages would be a second
verifier to keep in step; instead every check carries a stable reason `code` (docs/verification.md), and the
explanation is chosen here by the check's id, its status and that code. It says what was established and what was
not, never more than the code does; the verifier's own message stays beside it, in English, for the details.

Lookup, most precise first: (check id, status, code) in `BY_FINDING`, for a code whose meaning depends on the
check or the status; the code alone in `BY_CODE`; the check id and status in `BY_CHECK_STATUS` (a check without a
code, or with a code newer than this table); the status alone. tests/i18n/test_check_explanations.py fails when
a code the verifier can emit has no entry in the first two.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from verification.report import Check

# The language the verifier writes its messages in: a reader of this language reads them as they are.
VERIFIER_LANGUAGE = "en"

CHECK_TITLES: dict[str, Promise] = {
    "format": _("Format"),
    "context": _("Context and type"),
    "data_model": _("Data model"),
    "schema": _("Schema"),
    "schema_external": _("Other schemas"),
    "proof": _("Signature"),
    "issuer_key": _("Issuer's key"),
    "valid_from": _("Valid from"),
    "valid_until": _("Expiry"),
    "status": _("Revocation and suspension"),
    "refresh": _("Refresh service"),
    "embedded": _("Bundled credentials"),
    "endorsements": _("Endorsements"),
    "recipient": _("Recipient"),
}
STATUS_LABELS: dict[str, Promise] = {
    "passed": _("Passed"),
    "failed": _("Failed"),
    "indeterminate": _("Could not check"),
    "warning": _("Warning"),
    "skipped": _("Skipped"),
}

# A code whose meaning depends on the check that reports it, or on that check's status.
BY_FINDING: dict[tuple[str, str, str], Promise] = {
    ("format", "passed", "ldp"): _(
        "The credential is data with its signature embedded in it (Data Integrity), given as text, as a file or baked "
        "into a badge image."
    ),
    ("format", "passed", "jwt"): _(
        "The credential is a signed token (VC-JWT), given as text, as a file or baked into a badge image."
    ),
    ("format", "passed", "ob2-hosted"): _(
        "The badge is an Open Badges 2.0 badge that its issuer publishes on its own server (a hosted badge)."
    ),
    ("format", "passed", "ob2-signed"): _("The badge is an Open Badges 2.0 badge that its issuer signed."),
    ("proof", "passed", "proof_valid"): _(
        "The signature is correct: the credential has not been changed since it was signed. Whether the key that "
        "signed it belongs to the issuer is the next check."
    ),
    ("proof", "warning", "proof_valid"): _(
        "The signature is correct: the credential has not been changed since it was signed. It was made with an older "
        "signature method that is no longer recommended; that alone does not make it invalid."
    ),
    ("proof", "passed", "controller_mismatch"): _(
        "The signature is correct: the credential has not been changed since it was signed. The key that made it is "
        "held by someone other than the issuer; whether it may sign for the issuer is the next check."
    ),
    ("issuer_key", "failed", "controller_mismatch"): _(
        "The key that signed the credential is held by someone other than the issuer named in it, so the signature "
        "does not show that the issuer issued it."
    ),
    ("proof", "passed", "jwt"): _(
        "The token's signature is correct and its details agree with the credential: it has not been changed since it "
        "was signed. Whether the key that signed it belongs to the issuer is the next check."
    ),
    ("proof", "warning", "jwt"): _(
        "The token's signature is correct: the credential has not been changed since it was signed. Some of the "
        "token's details are missing or unusual; that alone does not make it invalid."
    ),
    ("proof", "failed", "jwt"): _(
        "The token's signature does not hold, or its details contradict the credential it carries: its content cannot "
        "be trusted."
    ),
    ("proof", "indeterminate", "jwt"): _(
        "The token's signature could not be checked, so it is not established that the credential is unchanged or who "
        "signed it."
    ),
    ("proof", "indeterminate", "key_unavailable"): _(
        "The key needed to check the signature could not be retrieved (most often, the server that publishes it did "
        "not answer in time or could not be reached), so the signature was not checked. Try again later."
    ),
    ("issuer_key", "indeterminate", "key_unavailable"): _(
        "Whether the key that signed the credential belongs to the issuer could not be checked: the document that "
        "would show it could not be retrieved. Until it can, it is open whether the issuer signed it; try again "
        "later."
    ),
    ("status", "indeterminate", "key_unavailable"): _(
        "The issuer's revocation list was found, but the key that would confirm its signature could not be retrieved, "
        "so the list cannot be trusted yet and whether the credential has been revoked is unknown. Try again later."
    ),
    ("status", "indeterminate", "key_method_unsupported"): _(
        "The issuer's revocation list is signed with a key that this verifier cannot look up, so the list cannot be "
        "trusted and whether the credential has been revoked is unknown."
    ),
    ("status", "indeterminate", "unsupported_proof"): _(
        "The issuer's revocation list is signed with a method that this verifier does not support, so the list cannot "
        "be trusted and whether the credential has been revoked is unknown."
    ),
    ("status", "warning", "not_revoked"): _(
        "The credential has not been revoked. The list that says so is kept by someone other than the credential's "
        "issuer, as the issuer chose; its keeper's signature on it was confirmed."
    ),
    ("status", "warning", "not_suspended"): _(
        "The credential is not suspended. The list that says so is kept by someone other than the credential's "
        "issuer, as the issuer chose; its keeper's signature on it was confirmed."
    ),
    ("status", "warning", "no_refresh"): _(
        "No newer version of the credential is signalled. The list that says so is kept by someone other than the "
        "credential's issuer, as the issuer chose; its keeper's signature on it was confirmed."
    ),
    ("proof", "skipped", "revoked"): _(
        "The issuer's server marks this badge as revoked, so it was not checked any further."
    ),
    ("valid_from", "failed", "invalid"): _(
        "The date from which the credential is valid is not a readable date, so it cannot be known whether it holds."
    ),
    ("valid_until", "failed", "invalid"): _(
        "The credential's expiry date is not a readable date, so it cannot be known whether it still holds."
    ),
    ("embedded", "skipped", "none"): _("The credential bundles no other credentials."),
    ("endorsements", "skipped", "none"): _("The credential carries no endorsements by third parties."),
}

# A code that means the same whichever check reports it.
BY_CODE: dict[str, Promise] = {
    # context
    "context_valid": _("The credential names the vocabulary and the type that the Open Badges standard requires."),
    "context_warning": _(
        "The credential names the vocabulary and the type the standard requires, but in an older or unusual form (for "
        "example an earlier version of the standard). It was checked in full all the same; this alone does not make "
        "it invalid."
    ),
    "context_invalid": _(
        "The credential does not name the vocabulary or the type that the Open Badges standard requires, so it is not "
        "a well-formed Open Badges credential."
    ),
    "unsupported_version": _(
        "This is an Open Badges 1.0 badge. This verifier checks versions 1.1, 2.0, 2.1 and 3.0 only, so it could not "
        "be checked; that does not mean it is forged."
    ),
    # schema
    "schema_valid": _(
        "The credential has every part that the Open Badges standard requires, each in the required form."
    ),
    "data_model": _(
        "The credential breaks a rule of the W3C Verifiable Credentials standard that every credential must follow "
        "(a required part missing, a date or a web address in the wrong form), so it cannot be accepted, whatever "
        "its signature says."
    ),
    "data_model_valid": _(
        "The credential follows the rules of the W3C Verifiable Credentials standard that can be checked on the "
        "document itself."
    ),
    "schema_invalid": _(
        "The credential lacks a part that the Open Badges standard requires, or a part has the wrong form, so it is "
        "not a well-formed Open Badges credential."
    ),
    "no_schema": _(
        "No structure description of the standard fits this kind of credential, so its structure was not checked "
        "against one."
    ),
    "schema_not_bundled": _(
        "The credential refers to a further structure description that this verifier does not keep. Such descriptions "
        "are never fetched from the internet, so it was not applied; the standard's own structure was checked."
    ),
    # proof
    "no_proof": _(
        "The credential carries no signature that could be read, so nothing shows who issued it or that it is "
        "unchanged."
    ),
    "proof_invalid": _(
        "The signature does not match the credential: it was changed after it was signed, or it was not signed with "
        "the key it names. Its content cannot be trusted."
    ),
    "proof_malformed": _(
        "The signature is damaged or not written in the form its method requires, so it confirms nothing."
    ),
    "proof_set_invalid": _(
        "The credential carries several signatures, and at least one of them does not match it. Signatures hold only "
        "as a whole set, so its content cannot be trusted."
    ),
    "previous_proof_missing": _(
        "One of its signatures was made on top of an earlier signature that the credential no longer carries: the "
        "earlier one was removed or never there, so the signatures do not hold as a set."
    ),
    "previous_proof_ambiguous": _(
        "One of its signatures builds on an earlier signature whose name two signatures carry, so which one it was "
        "made over cannot be told and the signatures do not hold as a set."
    ),
    "previous_proof_cycle": _("Its signatures refer to one another in a loop, so none of them can ever be confirmed."),
    "key_unresolved": _(
        "The key that the signature names could not be found or cannot be used, so the signature could not be "
        "confirmed."
    ),
    "key_type_mismatch": _(
        "The key that the signature names is of a kind that cannot have made this signature, so the signature does "
        "not hold."
    ),
    # presentations (verification.presentation, POST /api/vc/presentations/verify)
    "challenge_mismatch": _(
        "The presentation was made for another request: it does not carry the challenge the verifier asked for, so it "
        "may be a copy replayed from elsewhere."
    ),
    "domain_mismatch": _(
        "The presentation was made for another website or service than the one checking it, so it does not count here."
    ),
    "holder_mismatch": _(
        "The presentation is signed by someone other than the holder it names, so it does not show that the holder "
        "presented it."
    ),
    "holder_not_subject": _(
        "A credential in the presentation is about someone other than the person presenting it. That can be right (a "
        "parent for a child), but check that the holder may present it."
    ),
    "purpose_mismatch": _(
        "The key that signed was not published for issuing credentials, so a signature made with it does not count."
    ),
    "unsupported_proof": _(
        "The credential is signed with a method that this verifier does not support, so its signature could not be "
        "checked. That does not mean it is forged."
    ),
    "key_unavailable": _(
        "A document that identifies the signing key could not be retrieved (most often, its server did not answer in "
        "time or could not be reached). Try again later."
    ),
    "key_method_unsupported": _(
        "The key is named by a kind of identifier that this verifier cannot look up, so it could not be checked."
    ),
    "invalid_input": _(
        "The credential's data could not be prepared the way its signature method requires, so the signature could "
        "not be confirmed."
    ),
    "context_malformed": _(
        "The credential defines its vocabulary in a way the JSON-LD standard does not allow, so what it says cannot be "
        "read unambiguously and its signature could not be confirmed."
    ),
    "unknown_context": _(
        "The credential refers to a vocabulary that this verifier does not know; vocabularies are never fetched from "
        "the internet, so its signature could not be confirmed."
    ),
    "jsonld_error": _(
        "The credential's data is not well-formed linked data (JSON-LD), so its signature could not be confirmed."
    ),
    "canonicalization_limit": _(
        "The credential is built so that preparing it for the signature check would take unreasonable work. It was "
        "refused, so its signature is not confirmed."
    ),
    # issuer_key
    "key_bound": _(
        "The key that signed the credential demonstrably belongs to the issuer: the issuer's identifier is that key, "
        "or the issuer publishes it."
    ),
    "key_not_bound": _(
        "Nothing shows that the key that signed the credential belongs to the issuer named in it. Anyone could have "
        "made such a signature, so it does not show that the issuer issued the credential."
    ),
    "issuer_unbound": _(
        "The issuer is named in a way to which no key can ever be tied, so who issued the credential cannot be "
        "verified."
    ),
    "not_assertion_method": _(
        "The key that signed was not published by its owner for issuing credentials, so a signature made with it does "
        "not count."
    ),
    "no_issuer": _("The credential names no issuer to whom the signing key could belong."),
    "not_attributed": _("No signature could be confirmed, so there was no key to attribute to the issuer."),
    "jwt_key": _(
        "The token's signing key is missing, cannot be used or does not agree with the key it names, so who signed it "
        "cannot be established."
    ),
    # dates
    "valid_from": _("The credential is valid from a date that has been reached."),
    "missing": _("The credential states no date from which it is valid, which the standard requires."),
    "not_yet_valid": _("The credential is valid only from a date in the future; until then it does not hold."),
    "no_expiry": _("The credential states no expiry date: it does not expire."),
    "not_expired": _("The credential has an expiry date, and that date has not been reached."),
    "expired": _(
        "The credential's expiry date has passed: it no longer holds, even if everything else about it is in order."
    ),
    # status
    "not_revoked": _(
        "The issuer's revocation information was read: the credential has not been revoked, and nothing else read "
        "there (such as a suspension) stands against it."
    ),
    "not_suspended": _("The issuer's suspension list was read: the credential is not suspended."),
    "no_refresh": _("The issuer's status list was read: it signals no newer version of the credential."),
    "status_message": _(
        "The issuer's status list carries a status message for this credential. It does not make the credential "
        "invalid."
    ),
    "refresh_available": _(
        "The issuer signals that a newer version of this credential exists. This one is still checked as it is; the "
        "holder can ask for the current one."
    ),
    "revoked": _(
        "The issuer has revoked this credential: it no longer holds, even if its signature and dates are in order."
    ),
    "suspended": _(
        "The issuer has suspended this credential: it does not hold now. The issuer may reinstate it later."
    ),
    "status_entry_invalid": _(
        "The credential's own revocation information is faulty (it does not point to a usable place in a revocation "
        "list), so the credential does not hold."
    ),
    "status_unavailable": _(
        "The issuer's revocation list could not be retrieved (most often, its server did not answer in time or could "
        "not be reached), so whether the credential has been revoked is unknown. Try again later."
    ),
    "status_list_invalid": _(
        "The issuer's revocation list was found but cannot be trusted or read (for example it is not signed by the "
        "issuer, is out of date or is damaged), so whether the credential has been revoked is unknown."
    ),
    "unsupported_status_type": _(
        "The credential's revocation information is of a kind this verifier cannot read, so whether it has been "
        "revoked is unknown."
    ),
    "no_status": _(
        "The credential names no revocation information, so there was no list to read: whether the issuer has "
        "withdrawn it cannot be learned from the credential."
    ),
    # refresh
    "refresh_not_followed": _(
        "The credential names a service that hands out newer versions of it. That service was not contacted: the "
        "credential was checked exactly as it was presented."
    ),
    # embedded and endorsements
    "embedded_valid": _("Every credential bundled in this one was checked on its own, with every check, and is valid."),
    "embedded_invalid": _(
        "At least one credential bundled in this one is not valid, so the bundle as a whole does not hold."
    ),
    "embedded_indeterminate": _(
        "At least one credential bundled in this one could not be fully checked, so the bundle is not shown as valid "
        "yet."
    ),
    "endorsements_valid": _("The endorsements by third parties that the credential carries were checked and hold."),
    "endorsement_invalid": _(
        "At least one endorsement by a third party is not valid or could not be fully checked. That concerns only the "
        "third party's statement; the credential itself is judged by the other checks."
    ),
    # recipient
    "match": _("The credential was issued to the recipient given: the address or identifier matches."),
    "no_match": _(
        "The credential was not issued to the recipient given: the address or identifier does not match the one in "
        "the credential."
    ),
    "not_requested": _(
        "No recipient was given, so none was compared. To confirm who the credential was issued to, give their e-mail "
        "address on the verify form."
    ),
    # Open Badges 2.0
    "hosted_valid": _(
        "The badge was retrieved from the issuer's own server, at the address the badge names: the issuer publishes "
        "it there, which is how a hosted badge is confirmed."
    ),
    "id_mismatch": _(
        "The badge retrieved from the issuer's server names another address than the one it was retrieved from, so "
        "this copy does not speak for the issuer."
    ),
    "not_an_assertion": _("The document at the badge's address is not an Open Badges badge."),
    "assertion_unavailable": _(
        "The badge could not be retrieved from the issuer's server, so it could not be confirmed. Try again later."
    ),
    "in_scope": _(
        "The badge and its description are published where the issuer says its badges are published, so they speak "
        "for the issuer."
    ),
    "out_of_scope": _(
        "The badge or its description is published outside the places the issuer names for its badges, so it does not "
        "speak for the issuer."
    ),
    "unsupported_policy": _(
        "The issuer describes where its badges may be published in a form this verifier does not read, so where the "
        "badge comes from could not be checked."
    ),
    "document_unavailable": _(
        "A document the badge depends on (its description or its issuer's profile) could not be retrieved, so this "
        "could not be checked. Try again later."
    ),
    "not_checked": _(
        "Not checked, because an earlier step did not succeed: the badge, or a document it depends on, could not be "
        "used."
    ),
    # Any check
    "too_complex": _(
        "The check did not finish within the time and work this verifier allows for one credential (it is very large "
        "or complex, or the servers it needed were slow), so whether it holds is unknown."
    ),
    "internal": _(
        "This check could not be completed because of an error in this verifier itself. That says nothing against the "
        "credential, but it is not shown as valid until the check can be completed."
    ),
    "verification_error": _("This check found a problem that the credential does not get past."),
    "indeterminate": _("This check could not be completed, so the credential is not shown as valid yet."),
    "input_too_large": _("The credential is larger than this verifier accepts, so it was not checked."),
    "fetch_failed": _("A document this check needed could not be retrieved."),
    "fetch_http_status": _("The server asked for a document this check needed answered with an error."),
    "fetch_timeout": _("The server asked for a document this check needed did not answer in time."),
    "fetch_too_large": _("A document this check needed was larger than this verifier accepts."),
    "fetch_not_json": _("A document this check needed was not readable data."),
    "fetch_redirect": _(
        "The server asked for a document this check needed sent the request on in a way this verifier does not follow."
    ),
    "fetch_url_refused": _(
        "The address of a document this check needed is not one this verifier fetches (for example, it is not an "
        "https address)."
    ),
    "fetch_private_address": _(
        "The address of a document this check needed leads into a private network, which this verifier never contacts."
    ),
}

# A check without a code, or with one this table does not know yet: what its status alone says.
BY_CHECK_STATUS: dict[tuple[str, str], Promise] = {
    ("format", "passed"): _("The credential could be read."),
    ("context", "passed"): _("The credential declares itself as an Open Badges credential as required."),
    ("context", "warning"): _(
        "The credential declares itself as an Open Badges credential, but in an older or unusual form; this alone "
        "does not make it invalid."
    ),
    ("context", "failed"): _("The credential does not declare itself as an Open Badges credential as required."),
    ("context", "indeterminate"): _("What kind of credential this is could not be established."),
    ("data_model", "passed"): _("The credential follows the general rules for verifiable credentials."),
    ("data_model", "failed"): _("The credential breaks the general rules for verifiable credentials."),
    ("data_model", "indeterminate"): _("Whether the credential follows the general rules could not be established."),
    ("schema", "passed"): _("The credential has every part that the Open Badges standard requires."),
    ("schema", "failed"): _(
        "The credential lacks parts that the Open Badges standard requires, or has them in the wrong form."
    ),
    ("schema", "indeterminate"): _("Whether the credential has every part the standard requires could not be checked."),
    ("schema", "skipped"): _("The credential's structure was not checked against a description of the standard."),
    ("schema_external", "skipped"): _("A further structure description that the credential names was not applied."),
    ("proof", "passed"): _("The signature is correct: the credential has not been changed since it was signed."),
    ("proof", "warning"): _(
        "The signature is correct: the credential has not been changed since it was signed. Something about how it "
        "was made is unusual; that alone does not make it invalid."
    ),
    ("proof", "failed"): _(
        "The signature does not hold: the credential was changed after it was signed, or its signature is missing or "
        "damaged."
    ),
    ("proof", "indeterminate"): _(
        "The signature could not be checked, so it is not established that the credential is unchanged or who signed "
        "it."
    ),
    ("proof", "skipped"): _("The signature was not checked."),
    ("issuer_key", "passed"): _("The key that signed the credential demonstrably belongs to the issuer."),
    ("issuer_key", "failed"): _(
        "Nothing shows that the key that signed the credential belongs to the issuer named in it."
    ),
    ("issuer_key", "indeterminate"): _(
        "Whether the key that signed the credential belongs to the issuer could not be checked."
    ),
    ("issuer_key", "skipped"): _("No signature could be confirmed, so there was no key to attribute to the issuer."),
    ("valid_from", "passed"): _("The credential is valid from a date that has been reached."),
    ("valid_from", "failed"): _(
        "The date from which the credential is valid is missing, unreadable or still in the future."
    ),
    ("valid_until", "passed"): _("The credential has not expired."),
    ("valid_until", "failed"): _("The credential has expired, or its expiry date cannot be read."),
    ("status", "passed"): _("The issuer's revocation information was read: the credential has not been revoked."),
    ("status", "warning"): _(
        "The issuer's status information was read and carries a remark; the credential is not marked as revoked."
    ),
    ("status", "failed"): _(
        "The credential has been revoked or suspended, or its revocation information is faulty: it does not hold."
    ),
    ("status", "indeterminate"): _("Whether the credential has been revoked could not be checked."),
    ("status", "skipped"): _("The credential names no revocation information, so there was nothing to read."),
    ("refresh", "skipped"): _(
        "The credential names a service that hands out newer versions of it; the service was not contacted."
    ),
    ("embedded", "passed"): _("Every credential bundled in this one was checked and is valid."),
    ("embedded", "failed"): _("At least one credential bundled in this one is not valid."),
    ("embedded", "indeterminate"): _("At least one credential bundled in this one could not be fully checked."),
    ("embedded", "skipped"): _("The credential bundles no other credentials."),
    ("endorsements", "passed"): _("The endorsements by third parties that the credential carries hold."),
    ("endorsements", "warning"): _(
        "At least one endorsement by a third party is not valid or could not be fully checked; the credential itself "
        "is judged by the other checks."
    ),
    ("endorsements", "skipped"): _("The credential carries no endorsements by third parties."),
    ("recipient", "passed"): _("The credential was issued to the recipient given."),
    ("recipient", "failed"): _("The credential was not issued to the recipient given."),
    ("recipient", "skipped"): _("No recipient was given, so none was compared."),
}

# Last: a check this table does not know at all.
BY_STATUS: dict[str, Promise] = {
    "passed": _("This check passed."),
    "failed": _("This check failed, so the credential is not valid."),
    "indeterminate": _("This check could not be completed, so the credential is not shown as valid yet."),
    "warning": _("This check found something to note; it does not make the credential invalid."),
    "skipped": _("This check did not apply."),
}


def explanation(check: Check) -> str:
    """What `check` found, in the active language: by its id, status and code, most precise first."""
    code = check.code or ""
    for found in (
        BY_FINDING.get((check.id, check.status, code)),
        BY_CODE.get(code),
        BY_CHECK_STATUS.get((check.id, check.status)),
        BY_STATUS.get(check.status),
    ):
        if found is not None:
            return str(found)
    # A status outside the documented five: say only that nothing was established.
    return str(BY_STATUS["indeterminate"])


def reads_verifier_language() -> bool:
    """True when the reader's language is the verifier's own: its messages are then shown as they are."""
    language = get_language() or VERIFIER_LANGUAGE
    return language.split("-")[0].lower() == VERIFIER_LANGUAGE


def in_reader_words(check: Check, english: str) -> str:
    """`english` (a sentence of the verifier's message) for a reader of English, else the check's explanation."""
    return english if reads_verifier_language() else explanation(check)
