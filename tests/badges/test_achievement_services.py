"""The achievement services: rules, the version counter, image checks and their audit rows."""

from __future__ import annotations

import base64
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from badges.achievements import (
    achievement_archive,
    achievement_create,
    achievement_unarchive,
    achievement_update,
    next_version,
    normalize_language_tag,
    parse_tags,
)
from badges.filters import AchievementFilter
from badges.models import Achievement, Alignment
from issuer.images import check_image as validate_image
from issuer.models import AuditEvent


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _data(**overrides):
    data = {
        "name": "Data Ethics",
        "description": "Reasons about data use.",
        "criteria_narrative": "Write an essay.",
        "achievement_type": "Course",
    }
    data.update(overrides)
    return data


def _counts():
    return Achievement.objects.count(), Alignment.objects.count(), AuditEvent.objects.count()


def _png(width=4, height=4) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height)).save(buffer, "PNG")
    return buffer.getvalue()


def _upload(content: bytes, name="badge.png"):
    return SimpleUploadedFile(name, content)


# --- small rules -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "after"),
    [
        ("1", "2"),
        ("9", "10"),
        ("1.0", "1.1"),
        ("2024.09", "2024.10"),
        ("v3", "v4"),
        ("beta", "beta.1"),
        ("beta.1", "beta.2"),
        ("", "1"),
    ],
)
def test_next_version(version, after):
    assert next_version(version) == after


@pytest.mark.parametrize(
    ("tag", "canonical"),
    [
        ("en", "en"),
        ("EN-us", "en-US"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
        ("fr_CA", "fr-CA"),
        ("", ""),
    ],
)
def test_language_tags_are_put_in_canonical_case(tag, canonical):
    assert normalize_language_tag(tag) == canonical


@pytest.mark.parametrize("tag", ["english", "e", "en-", "en-USA", "en--US", "12", "en-Latn-US-x-private"])
def test_malformed_language_tags_are_refused(tag):
    with pytest.raises(ValidationError, match="BCP 47"):
        normalize_language_tag(tag)


def test_parse_tags():
    assert parse_tags(" sql, ,Databases,\tsql ,SQL, big  data") == ["sql", "Databases", "big data"]


# --- images ----------------------------------------------------------------------------------------------

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 8 8">%s</svg>'


def test_valid_png_and_svg_are_accepted():
    assert validate_image(_upload(_png())) == "png"
    body = b'<defs><linearGradient id="g"/></defs><circle fill="url(#g)" r="4"/><use href="#g"/>'
    assert validate_image(_upload(SVG % body, "badge.svg")) == "svg"
    # An embedded raster must be a real image: it is decoded and re-encoded like an upload.
    inline = b'<image href="data:image/png;base64,%s"/>' % base64.b64encode(_png())
    assert validate_image(_upload(b'<?xml version="1.0"?>\n' + SVG % inline, "badge.svg")) == "svg"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The image file is empty."),
        (b"hello", "The file is not a PNG, JPEG, GIF, WebP or SVG image (its content was checked, not its name)."),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "The PNG file is damaged or incomplete and cannot be read."),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (1024 * 1024), "The image is 1.0 MB; the limit is 1 MB."),
        (SVG % b"<script>alert(1)</script>", "The SVG contains a <script> element; scripts are not allowed"),
        (
            SVG % b"<foreignObject><p>hi</p></foreignObject>",
            "The SVG contains a <foreignObject> element; embedded HTML is not allowed",
        ),
        (SVG.replace(b"viewBox", b'onload="alert(1)" viewBox'), "event handler attribute (onload on <svg>)"),
        (SVG % b'<image href="https://evil.example/x.png"/>', 'outside the file (href="https://evil.example/x.png"'),
        (SVG % b'<use xlink:href="other.svg#a"/>', 'outside the file (href="other.svg#a" on <use>)'),
        (SVG % b'<a href="javascript:alert(1)"><circle r="1"/></a>', "contains a javascript: link (on <a>)"),
        (SVG % b'<circle fill="url(https://evil.example/p)" r="1"/>', "url(https://evil.example/p)"),
        (SVG % b"<style>@import url(x.css);</style>", "outside the file (@import in its stylesheet)"),
        (SVG % b'<rect style="fill: url(http://x/p)"/>', "url(http://x/p) in style on <rect>"),
        (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>&a;</svg>', "declares a DTD or entities"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><g></svg>", "well-formed SVG image (first XML problem on line 1)"),
        (b"<?xml version='1.0'?><html/>", "its root element is <html>"),
    ],
)
def test_refused_images_say_why(content, message):
    with pytest.raises(ValidationError) as caught:
        validate_image(_upload(content))
    assert message in caught.value.messages[0]


def test_png_over_4096_pixels_is_refused_without_decoding():
    with pytest.raises(ValidationError, match=r"The image is 4097×1 pixels; the limit is 4096×4096\."):
        validate_image(_upload(_png(4097, 1)))


# --- create ----------------------------------------------------------------------------------------------


def test_create_writes_the_achievement_rows_and_one_audit_event(issuer, user):
    achievement = achievement_create(
        issuer=issuer,
        actor=user,
        data=_data(tags="ethics, data", in_language="en-gb", image=_upload(_png())),
        alignments=[{"target_name": "Ethics", "target_url": "https://example.org/e", "target_type": "ext:Skill"}],
        result_descriptions=[{"name": "Grade", "resultType": "LetterGrade", "allowedValue": ["B", "A"]}],
    )
    assert (achievement.slug, achievement.tags, achievement.in_language, achievement.version) == (
        "data-ethics",
        ["ethics", "data"],
        "en-GB",
        "1",
    )
    assert achievement.image.name.endswith(".png")
    assert list(achievement.alignments.values_list("target_name", "target_type")) == [("Ethics", "ext:Skill")]
    assert achievement.result_descriptions == [
        {"name": "Grade", "resultType": "LetterGrade", "allowedValue": ["B", "A"]}
    ]
    event = AuditEvent.objects.get(action="achievement.created")
    assert (event.issuer, event.actor, event.object_type, event.object_id) == (
        issuer,
        user,
        "achievement",
        str(achievement.pk),
    )
    assert event.data["changed"] == [
        "achievement_type",
        "alignments",
        "criteria_narrative",
        "description",
        "image",
        "in_language",
        "name",
        "result_descriptions",
        "slug",
        "tags",
    ]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (_data(criteria_narrative=""), "criteria_narrative", "Give the criteria as a narrative, a URL, or both."),
        (_data(name="   "), "name", "This field cannot be blank."),
        (_data(achievement_type="Bootcamp"), "achievement_type", "is not an OB 3.0 achievement type"),
        (_data(in_language="english"), "in_language", "BCP 47"),
        (_data(slug="python-basics"), "slug", "already has an achievement with the slug “python-basics”"),
        (_data(slug="Not A Slug"), "slug", "lowercase letters"),
        (_data(criteria_url="ftp:/broken"), "criteria_url", "Enter a valid URL."),
        (_data(image=_upload(b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>")), "image", "<script>"),
    ],
)
def test_create_refuses_invalid_data_and_writes_nothing(achievement, user, data, field, message):
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        achievement_create(issuer=achievement.issuer, actor=user, data=data)
    assert any(message in m for m in caught.value.message_dict[field])
    assert _counts() == before


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"name": "A", "resultType": "Nope"}], "Result 1: Choose a result type"),
        ([{"name": "A", "resultType": "Percent"}, {"name": "a", "resultType": "Percent"}], "Result 2: another result"),
        ([{"name": "", "resultType": "Percent"}], "Result 1: Give the result a name."),
        (
            [{"id": "final", "name": "A", "resultType": "Percent"}],
            "Result 1: The result's identifier must be an absolute URI",
        ),
        (
            [{"name": "A", "resultType": "Percent", "valueMin": "0", "valueMax": "100", "requiredValue": "120"}],
            "outside",
        ),
    ],
)
def test_result_description_rules(issuer, user, rows, message):
    with pytest.raises(ValidationError) as caught:
        achievement_create(issuer=issuer, actor=user, data=_data(), result_descriptions=rows)
    assert any(message in m for m in caught.value.message_dict["result_descriptions"])
    assert Achievement.objects.count() == 0


def test_alignment_rules(issuer, user):
    with pytest.raises(ValidationError) as caught:
        achievement_create(
            issuer=issuer,
            actor=user,
            data=_data(),
            alignments=[{"target_name": "A", "target_url": "nope", "target_type": "Skill"}],
        )
    assert caught.value.message_dict["alignments"] == [
        "Alignment 1, target url: Enter a valid URL.",
        "Alignment 1, target type: 'Skill' is not an OB 3.0 alignment target type.",
    ]
    assert (Achievement.objects.count(), Alignment.objects.count()) == (0, 0)


def test_unknown_fields_are_a_programming_error(issuer, user):
    with pytest.raises(TypeError, match="archived"):
        achievement_create(issuer=issuer, actor=user, data=_data(archived=True))


# --- update ----------------------------------------------------------------------------------------------


def test_update_bumps_the_version_only_for_what_credentials_carry(achievement, user):
    achievement = achievement_update(achievement=achievement, actor=user, data={"slug": "py", "validity_days": 10})
    assert achievement.version == "1"
    achievement = achievement_update(achievement=achievement, actor=user, data={"human_code": "CS-101"})
    assert achievement.version == "2"
    achievement = achievement_update(
        achievement=achievement,
        actor=user,
        data={},
        alignments=[{"target_name": "Programming", "target_url": "https://example.org/skills/programming"}],
    )
    assert achievement.version == "3"
    achievement = achievement_update(
        achievement=achievement,
        actor=user,
        data={},
        result_descriptions=[{"name": "Final", "resultType": "Percent", "requiredValue": "80"}],
    )
    assert achievement.version == "4"
    assert [e.data for e in AuditEvent.objects.filter(action="achievement.updated").order_by("pk")] == [
        {"changed": ["slug", "validity_days"], "version": "1"},
        {"changed": ["human_code", "version"], "version": "2"},
        {"changed": ["alignments", "version"], "version": "3"},
        {"changed": ["result_descriptions", "version"], "version": "4"},
    ]


def test_update_with_the_same_values_writes_nothing(achievement, user):
    before = _counts()
    updated_at = Achievement.objects.get(pk=achievement.pk).updated_at
    achievement_update(
        achievement=achievement,
        actor=user,
        data={"name": " Python Basics ", "tags": "python", "credits_available": "3.0"},
        result_descriptions=[{"name": "Final", "resultType": "Percent", "requiredValue": "70"}],
    )
    assert _counts() == before
    assert Achievement.objects.get(pk=achievement.pk).updated_at == updated_at


def test_update_refuses_version_and_rolls_back_on_errors(achievement, user):
    with pytest.raises(TypeError):
        achievement_update(achievement=achievement, actor=user, data={"version": "7"})
    before = _counts()
    with pytest.raises(ValidationError):
        achievement_update(
            achievement=achievement,
            actor=user,
            data={"name": "Renamed", "criteria_narrative": ""},
            alignments=[],
        )
    assert _counts() == before
    achievement.refresh_from_db()
    assert (achievement.name, achievement.alignments.count(), achievement.version) == ("Python Basics", 1, "1")


def test_update_refuses_to_overwrite_a_newer_save(achievement, user):
    from badges.achievements import AchievementConflict, edit_token

    token = edit_token(Achievement.objects.get(pk=achievement.pk))
    achievement_update(achievement=achievement, actor=user, data={"human_code": "A-1"})
    before = _counts()
    with pytest.raises(AchievementConflict, match="now version 2"):
        achievement_update(achievement=achievement, actor=user, data={"name": "Mine"}, expected_token=token)
    assert _counts() == before
    assert Achievement.objects.get(pk=achievement.pk).name == "Python Basics"


def test_update_of_a_non_integer_version(achievement, user):
    Achievement.objects.filter(pk=achievement.pk).update(version="2024.1")
    achievement = achievement_update(achievement=achievement, actor=user, data={"name": "Python Basics 2024"})
    assert achievement.version == "2024.2"


# --- archive ---------------------------------------------------------------------------------------------


def _listed(achievement):
    """The issuer's list without parameters: archived achievements are hidden."""
    issuer = achievement.issuer
    return list(AchievementFilter(None, Achievement.objects.filter(issuer=issuer), issuer=issuer).qs)


def test_archive_and_unarchive_are_recorded_once(achievement, user):
    achievement_archive(achievement=achievement, actor=user)
    achievement_archive(achievement=achievement, actor=user)
    assert _listed(achievement) == []
    achievement_unarchive(achievement=achievement, actor=user)
    assert list(
        AuditEvent.objects.filter(object_type="achievement").order_by("pk").values_list("action", flat=True)
    ) == [
        "achievement.archived",
        "achievement.unarchived",
    ]
    assert _listed(achievement) == [achievement]


def test_result_form_round_trip_keeps_required_level_and_extension_types():
    from badges.forms_achievements import ResultDescriptionForm

    item = {
        "id": "https://example.org/results/1",
        "name": "Rubric",
        "resultType": "ext:Portfolio",
        "requiredLevel": "https://example.org/rubric/levels/3",
    }
    initial = ResultDescriptionForm.initial_for(item)
    shown = ResultDescriptionForm(initial=initial)
    assert ("ext:Portfolio", "ext:Portfolio") in shown.fields["result_type"].choices
    submitted = ResultDescriptionForm(data={k: v for k, v in initial.items()})
    assert submitted.is_valid(), submitted.errors
    assert submitted.service_data() == item
