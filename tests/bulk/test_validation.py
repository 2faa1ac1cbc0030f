"""Checking bulk-award rows: every refusal reason, duplicates, earlier awards, tenancy and query counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from badges.models import Achievement, Credential
from badges.services import AwardRequest, credential_issue
from bulk.parsing import parse_upload
from bulk.validation import validate_rows
from tests.actors import owner

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def _preview(issuer, *lines, achievement=None, now=NOW):
    return validate_rows(issuer=issuer, parsed=parse_upload(_csv(*lines)), achievement=achievement, now=now)


def _reasons(preview):
    return {row.line: row.reasons for row in preview.invalid}


def _award(achievement, email, key):
    return credential_issue(
        request=AwardRequest(achievement=achievement, email=email, idempotency_key=key),
        source="bulk",
        actor=owner(achievement.issuer),
        notify=False,
    )


@pytest.fixture
def sql(issuer):
    return Achievement.objects.create(
        issuer=issuer, slug="sql-fundamentals", name="SQL", description="d", criteria_narrative="c"
    )


def test_valid_rows(issuer, achievement, sql):
    preview = _preview(
        issuer,
        "email,name,achievement,evidence url,evidence narrative,valid until,external id",
        " Ada@Example.ORG ,Ada,python-basics,https://example.org/ada,Built a CLI,2026-12-31,S-1",
        f"bob@example.org,Bob,{sql.uuid},,,2027-01-02T10:00:00+02:00,",
        f"cy@example.org,,{sql.pk},,,,",
    )
    assert preview.total == 3
    assert preview.invalid == []
    ada, bob, cy = preview.valid
    assert (ada.line, ada.email, ada.name, ada.achievement) == (2, "ada@example.org", "Ada", achievement)
    assert ada.evidence == [{"id": "https://example.org/ada", "narrative": "Built a CLI"}]
    assert ada.valid_until == datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert ada.idempotency_key == "bulk:ext:S-1"
    assert bob.achievement == sql
    assert bob.valid_until == datetime(2027, 1, 2, 8, 0, tzinfo=UTC)
    assert bob.evidence == []
    assert bob.idempotency_key == f"bulk:{sql.pk}:bob@example.org"
    assert cy.achievement == sql
    assert cy.valid_until is None


def test_each_invalid_reason(issuer, achievement):
    preview = _preview(
        issuer,
        "email,achievement,evidence url,valid until",
        "bob@,python-basics,,",
        ",python-basics,,",
        "a@example.org,sql-101,,",
        "b@example.org,,,",
        "c@example.org,python-basics,ftp://example.org/x,",
        "d@example.org,python-basics,not a url,",
        "e@example.org,python-basics,,2020-01-01",
        "f@example.org,python-basics,,next week",
        "g@example.org,python-basics,,2026-06-01T11:59:00Z",
    )
    assert preview.valid == []
    assert _reasons(preview) == {
        2: ["'bob@' is not a valid e-mail address"],
        3: ["the e-mail address is missing"],
        4: ["unknown achievement 'sql-101'"],
        5: ["the achievement is missing"],
        6: ["evidence URL 'ftp://example.org/x' is not an http(s) URL"],
        7: ["evidence URL 'not a url' is not an http(s) URL"],
        8: ["valid_until 2020-01-01 is in the past"],
        9: ["valid_until 'next week' is not an ISO 8601 date or date-time"],
        10: ["valid_until 2026-06-01T11:59:00Z is in the past"],
    }
    assert preview.invalid[0].describe() == "line 2: 'bob@' is not a valid e-mail address"


def test_date_is_valid_to_the_end_of_that_day(issuer, achievement):
    preview = _preview(issuer, "email,achievement,valid until", "a@example.org,python-basics,2026-06-01")
    assert preview.valid[0].valid_until == datetime(2026, 6, 1, 23, 59, 59, 999999, tzinfo=UTC)


def test_several_reasons_and_ragged_row(issuer, achievement):
    preview = _preview(issuer, "email,achievement", "nope,missing,extra")
    assert _reasons(preview) == {
        2: [
            "3 fields but the header has 2; check the delimiter or quotes",
            "'nope' is not a valid e-mail address",
            "unknown achievement 'missing'",
        ]
    }


def test_too_long_values(issuer, achievement):
    preview = _preview(
        issuer, "email,name,achievement,external id", f"a@example.org,{'n' * 201},python-basics,{'x' * 192}"
    )
    assert _reasons(preview) == {2: ["name is longer than 200 characters", "external_id is too long"]}


def test_a_thousand_invalid_rows_are_all_reported(issuer, achievement):
    lines = ["email,achievement"] + [f"user{i}@,python-basics" for i in range(1000)]
    preview = _preview(issuer, *lines)
    assert preview.total == 1000
    assert preview.valid == []
    assert [row.line for row in preview.invalid] == list(range(2, 1002))
    assert preview.invalid[-1].reasons == ["'user999@' is not a valid e-mail address"]


def test_duplicates_in_the_file(issuer, achievement, sql):
    preview = _preview(
        issuer,
        "email,achievement,external id",
        "a@example.org,python-basics,",
        "A@example.org ,python-basics,",  # same address once normalized
        "a@example.org,sql-fundamentals,",  # another achievement: not a duplicate
        "b@example.org,python-basics,S-1",
        "c@example.org,python-basics,S-1",  # same external id, other person: still a duplicate
        "a@example.org,python-basics,S-2",  # has an external id: compared by it only
    )
    assert [row.line for row in preview.valid] == [2, 4, 5, 7]
    assert _reasons(preview) == {3: ["duplicate of line 2 in this file"], 6: ["duplicate of line 5 in this file"]}


def test_invalid_first_occurrence_still_makes_a_duplicate(issuer, achievement):
    preview = _preview(
        issuer,
        "email,achievement,valid until",
        "a@example.org,python-basics,2020-01-01",
        "a@example.org,python-basics,",
    )
    assert preview.valid == []
    assert _reasons(preview)[3] == ["duplicate of line 2 in this file"]


def test_already_awarded(issuer, achievement, sql):
    by_external_id = _award(achievement, "ada@example.org", "bulk:ext:S-1")
    by_email_key = _award(achievement, "bob@example.org", f"bulk:{achievement.pk}:bob@example.org")
    from_the_ui = _award(sql, "cy@example.org", None)
    preview = _preview(
        issuer,
        "email,achievement,external id",
        "ada@example.org,python-basics,S-1",
        "bob@example.org,python-basics,",
        "cy@example.org,sql-fundamentals,",
        "cy@example.org,python-basics,",
        "dan@example.org,python-basics,S-2",
        "cy@example.org,sql-fundamentals,S-3",  # an explicit new external id is the uploader's choice
    )
    assert [row.line for row in preview.valid] == [5, 6, 7]
    assert _reasons(preview) == {
        2: [f"already awarded (credential {by_external_id.public_id})"],
        3: [f"already awarded (credential {by_email_key.public_id})"],
        4: [f"already awarded (credential {from_the_ui.public_id})"],
    }
    assert settings.SITE_URL in by_external_id.public_id


def test_revoked_or_expired_credential_does_not_block_a_new_award(issuer, achievement):
    credential = _award(achievement, "ada@example.org", None)
    Credential.objects.filter(pk=credential.pk).update(status="revoked")
    preview = _preview(issuer, "email,achievement", "ada@example.org,python-basics")
    assert [row.line for row in preview.valid] == [2]
    expiry = credential.valid_from + timedelta(days=1)
    Credential.objects.filter(pk=credential.pk).update(status="active", valid_until=expiry)
    later = _preview(issuer, "email,achievement", "ada@example.org,python-basics", now=expiry + timedelta(days=1))
    assert [row.line for row in later.valid] == [2]


def test_other_issuers_credentials_are_not_seen(issuer, other_issuer, achievement):
    theirs = Achievement.objects.create(
        issuer=other_issuer, slug="python-basics", name="Theirs", description="d", criteria_narrative="c"
    )
    _award(theirs, "ada@example.org", "bulk:ext:S-1")
    preview = _preview(issuer, "email,achievement,external id", "ada@example.org,python-basics,S-1")
    assert [(row.line, row.achievement) for row in preview.valid] == [(2, achievement)]


def test_another_issuers_achievement_is_unknown(issuer, other_issuer):
    theirs = Achievement.objects.create(
        issuer=other_issuer, slug="theirs", name="Theirs", description="d", criteria_narrative="c"
    )
    preview = _preview(
        issuer,
        "email,achievement",
        "a@example.org,theirs",
        f"b@example.org,{theirs.pk}",
        f"c@example.org,{theirs.uuid}",
    )
    assert _reasons(preview) == {
        2: ["unknown achievement 'theirs'"],
        3: [f"unknown achievement '{theirs.pk}'"],
        4: [f"unknown achievement '{theirs.uuid}'"],
    }
    with pytest.raises(ValueError, match="another issuer"):
        _preview(issuer, "email", "a@example.org", achievement=theirs)


def test_archived_achievement_is_refused(issuer, achievement):
    achievement.archived = True
    achievement.save()
    preview = _preview(issuer, "email,achievement", "a@example.org,python-basics")
    assert _reasons(preview) == {2: ["achievement 'python-basics' is archived"]}
    preview = _preview(issuer, "email", "a@example.org", achievement=achievement)
    assert _reasons(preview) == {2: ["achievement 'python-basics' is archived"]}


def test_chosen_achievement(issuer, achievement, sql):
    preview = _preview(
        issuer,
        "email,achievement",
        "a@example.org,",
        "b@example.org,python-basics",
        f"c@example.org,{achievement.uuid}",
        "d@example.org,sql-fundamentals",
        achievement=achievement,
    )
    assert [(row.line, row.achievement) for row in preview.valid] == [
        (2, achievement),
        (3, achievement),
        (4, achievement),
    ]
    assert _reasons(preview) == {
        5: ["achievement 'sql-fundamentals' does not match the chosen achievement 'python-basics'"]
    }
    assert [row.line for row in _preview(issuer, "email", "a@example.org", achievement=achievement).valid] == [2]


def test_achievement_column_required_without_a_chosen_achievement(issuer, achievement):
    with pytest.raises(ValueError, match="no 'achievement' column"):
        _preview(issuer, "email", "a@example.org")


def test_query_count_does_not_grow_per_row(issuer, achievement, sql, django_assert_max_num_queries):
    _award(achievement, "user7@example.org", None)
    _award(sql, "user8@example.org", "bulk:ext:E-8")
    lines = ["email,achievement,external id"]
    for i in range(5000):
        slug = "python-basics" if i % 2 else "sql-fundamentals"
        lines.append(f"user{i}@example.org,{slug},{f'E-{i}' if i % 3 == 2 else ''}")
    parsed = parse_upload(_csv(*lines))
    # achievements: 1 (slugs); idempotency keys: 5 batches; e-mail matches: 4 batches (3,333 rows without id)
    with django_assert_max_num_queries(10):
        preview = validate_rows(issuer=issuer, parsed=parsed, now=NOW)
    assert len(preview.valid) == 4998
    assert _reasons(preview) == {
        9: [f"already awarded (credential {Credential.objects.get(recipient_email='user7@example.org').public_id})"],
        10: [f"already awarded (credential {Credential.objects.get(idempotency_key='bulk:ext:E-8').public_id})"],
    }


@pytest.mark.parametrize("ref", ["²", "1" * 30])
def test_an_achievement_reference_that_only_looks_numeric_is_an_invalid_row(issuer, achievement, ref):
    parsed = parse_upload(
        f"email,achievement\na@example.org,{ref}\nb@example.org,{achievement.slug}\n".encode(), filename="x.csv"
    )
    preview = validate_rows(issuer=issuer, parsed=parsed)
    assert [row.line for row in preview.valid] == [3]
    assert [row.line for row in preview.invalid] == [2]
