"""Every word a reader sees in the templates of the translated pages is marked for translation (D51): a sentence
added in English only fails here, with its file and line. Later slices add their templates to TRANSLATED."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
TRANSLATED = [
    "base.html",
    "base_bare.html",
    "home.html",
    "400.html",
    "403.html",
    "403_csrf.html",
    "404.html",
    "500.html",
    "503.html",
    "partials/error_ways_back.html",
    "badges/credential_public.html",
    "badges/_credential_public_head.html",
    "badges/_credential_public_summary.html",
    "badges/_credential_public_sharing.html",
    "verification/_checks.html",
    "verification/result.html",
    "verification/verify.html",
    "learners/_qualifications.html",
    "learners/collection.html",
    "learners/profile.html",
    "learners/qualification.html",
    "learners/sent.html",
    "learners/sign_in.html",
    "learners/sign_in_unusable.html",
    "learners/start.html",
    "backpack/send.html",
    "backpack/continue.html",
    "backpack/callback_refused.html",
    "emails/award.html",
    "emails/award.txt",
    "emails/bulk_finished.txt",
    "emails/expiry_digest.txt",
    "emails/expiry_reminder.html",
    "emails/expiry_reminder.txt",
    "emails/staff_added.txt",
    "emails/staff_invitation.txt",
    "emails/learner_sign_in.html",
    "emails/learner_sign_in.txt",
    "stacking/_rule_node.html",
    "stacking/partnerships.html",
    "badges/endorsements.html",
    "badges/_endorsements.html",
    "stacking/qualification_apply.html",
    "stacking/qualification_deactivate.html",
    "stacking/qualification_form.html",
    "stacking/qualification_list.html",
    "stacking/public/counts_towards.html",
    "stacking/public/stacked_from.html",
    "webhooks/endpoint_detail.html",
    "webhooks/endpoint_list.html",
    "issuer/audit.html",
    "issuer/base_manage.html",
    "issuer/dashboard.html",
    "issuer/invitation_accept.html",
    "issuer/invitation_unusable.html",
    "issuer/key_compromise.html",
    "issuer/keys.html",
    "issuer/manage_index.html",
    "issuer/profile.html",
    "issuer/staff.html",
    "issuer/staff_remove.html",
    "issuer/partials/audit_table.html",
    "issuer/partials/field.html",
    "issuer/partials/public_profile.html",
    "issuer/partials/when.html",
    "registration/locked_out.html",
    "registration/login.html",
    "registration/password_change_done.html",
    "registration/password_change_form.html",
    "registration/password_reset_complete.html",
    "registration/password_reset_confirm.html",
    "registration/password_reset_done.html",
    "registration/password_reset_email.txt",
    "registration/password_reset_form.html",
    "registration/password_reset_subject.txt",
    "public/achievement.html",
    "public/issuer.html",
    "api/tokens.html",
    "api/swagger_ui.html",
    "ob_api/authorize.html",
    "partials/form_fields.html",
    "partials/site_icons.html",
    "errors/problem_type.html",
    "errors/problem_types.html",
    "emails/wallet_tx_code.html",
    "emails/wallet_tx_code.txt",
    "wallets/offer.html",
    "badges/achievement_detail.html",
    "badges/achievement_field.html",
    "badges/achievement_form.html",
    "badges/achievement_list.html",
    "badges/award_bulk_revoke.html",
    "badges/award_confirm.html",
    "badges/award_detail.html",
    "badges/award_field.html",
    "badges/award_form.html",
    "badges/award_list.html",
    "badges/dashboard_credentials.html",
    "analytics/dashboard_panel.html",
    "bulk/create.html",
    "bulk/detail.html",
    "bulk/list.html",
]
# Names and formats that read the same in every language.
UNTRANSLATED = re.compile(r"Open Badges|VC-JWT|UTC")
# Attributes whose values a person reads (or hears, from a screen reader).
READ_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder"}
LETTER = re.compile(r"[^\W\d_]")
# What a reader never sees: a tag, a variable, a comment and the inside of a translation block all become a
# placeholder without letters; newlines are kept, so the HTML parser's line numbers are the template's.
HIDDEN_UNTIL = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans", "comment": "endcomment"}
PLACEHOLDER = "\x00"


def _visible_skeleton(source: str) -> str:
    parts: list[str] = []
    closing: str | None = None
    for token in Lexer(source).tokenize():
        name = token.contents.split()[0] if token.token_type == TokenType.BLOCK and token.contents else ""
        if closing:
            if name == closing:
                closing = None
            parts.append(PLACEHOLDER + "\n" * token.contents.count("\n"))
            continue
        if name in HIDDEN_UNTIL:
            closing = HIDDEN_UNTIL[name]
        if token.token_type == TokenType.TEXT:
            parts.append(token.contents)
        else:
            parts.append(PLACEHOLDER + "\n" * token.contents.count("\n"))
    return "".join(parts)


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._raw = 0  # inside <script> or <style>

    def _check(self, text: str) -> None:
        words = UNTRANSLATED.sub("", text.replace(PLACEHOLDER, " "))
        if LETTER.search(words):
            # The parser gives the line the text starts on; the words may start lines further down.
            line = self.getpos()[0] + text[: LETTER.search(text).start()].count("\n")  # type: ignore[union-attr]
            self.found.append((line, " ".join(text.replace(PLACEHOLDER, "…").split())))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._raw += 1
        for name, value in attrs:
            if value and name in READ_ATTRIBUTES:
                self._check(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._raw -= 1

    def handle_data(self, data: str) -> None:
        if not self._raw:
            self._check(data)


def untranslated_text(source: str) -> list[tuple[int, str]]:
    """(line, text) of each piece of human-language text outside translation tags."""
    finder = _Finder()
    finder.feed(_visible_skeleton(source))
    finder.close()
    return finder.found


@pytest.mark.parametrize("name", TRANSLATED)
def test_every_visible_string_is_marked_for_translation(name):
    found = untranslated_text((TEMPLATES / name).read_text(encoding="utf-8"))
    assert found == [], "\n".join(
        f"templates/{name}:{line}: not marked for translation: {text}" for line, text in found
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('<p>{% translate "Hello" %}</p>', []),
        ("{% blocktranslate trimmed %}\n  Hello {{ name }}\n{% endblocktranslate %}", []),
        ("{# a comment #}{% comment %}\nwords\n{% endcomment %}<p>{{ name }} · ✓</p>", []),
        ("<title>{% block title %}Open Badges{% endblock %}</title>", []),
        ('<script>const words = "x";</script>', []),
        ("<p>\n  Hello {{ name }}</p>", [(2, "Hello …")]),
        ('<img alt="Badge: {{ name }}">', [(1, "Badge: …")]),
        ('<a class="button" href="{% url \'home\' %}">{% translate "Home" %}</a> or home', [(1, "or home")]),
    ],
)
def test_the_check_finds_unmarked_text_and_nothing_else(source, expected):
    assert untranslated_text(source) == expected
