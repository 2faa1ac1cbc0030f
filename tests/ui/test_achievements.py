"""The achievement pages of the issuer UI: permissions, create, validation, rows and preview (edit, archive, list
and detail: test_achievements_edit.py)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from badges.models import Achievement, Alignment
from issuer.models import AuditEvent
from tests.ui.achievement_pages import (
    EDITORS,
    EVERYONE,
    VIEWERS,
    _audit,
    _create_data,
    _edit_data,
    _png,
    _state,
    _url,
)
from tests.ui.conftest import expected_status

# --- the permission matrix -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("achievement-list", VIEWERS),
        ("achievement-create", EDITORS),
        ("achievement-detail", VIEWERS),
        ("achievement-edit", EDITORS),
    ],
)
def test_pages_permission_matrix(client_as, achievement, who, name, allowed):
    args = [achievement.pk] if name in ("achievement-detail", "achievement-edit") else []
    response = client_as(who).get(_url(name, achievement.issuer, *args))
    assert response.status_code == expected_status(who, allowed)
    if who is None:
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", EVERYONE)
def test_create_permission_matrix(client_as, issuer, staff, who):
    before = _state()
    response = client_as(who).post(_url("achievement-create", issuer), _create_data())
    expected = expected_status(who, EDITORS)
    if expected == 200:
        assert response.status_code == 302
        created = Achievement.objects.get(slug="data-ethics")
        assert response["Location"] == _url("achievement-detail", issuer, created.pk)
        assert _audit("achievement.created")[0][:2] == (str(created.pk), staff[who].username)
    else:
        assert response.status_code == expected
        assert _state() == before


@pytest.mark.parametrize("who", EVERYONE)
def test_edit_permission_matrix(client_as, achievement, staff, who):
    before = _state()
    data = _edit_data(achievement, name="Python Fundamentals")
    response = client_as(who).post(_url("achievement-edit", achievement.issuer, achievement.pk), data)
    expected = expected_status(who, EDITORS)
    achievement.refresh_from_db()
    if expected == 200:
        assert response.status_code == 302
        assert (achievement.name, achievement.version) == ("Python Fundamentals", "2")
        assert _audit("achievement.updated") == [
            (str(achievement.pk), staff[who].username, {"changed": ["name", "version"], "version": "2"})
        ]
    else:
        assert response.status_code == expected
        assert _state() == before
        assert (achievement.name, achievement.version) == ("Python Basics", "1")


@pytest.mark.parametrize("who", EVERYONE)
def test_archive_permission_matrix(client_as, achievement, staff, who):
    before = _state()
    response = client_as(who).post(_url("achievement-archive", achievement.issuer, achievement.pk), {"archived": "1"})
    expected = expected_status(who, EDITORS)
    achievement.refresh_from_db()
    if expected == 200:
        assert response.status_code == 302
        assert achievement.archived is True
        assert _audit("achievement.archived") == [
            (str(achievement.pk), staff[who].username, {"changed": ["archived"], "version": "1"})
        ]
    else:
        assert response.status_code == expected
        assert _state() == before
        assert achievement.archived is False


@pytest.mark.parametrize("who", EVERYONE)
def test_unarchive_permission_matrix(client_as, achievement, staff, who):
    Achievement.objects.filter(pk=achievement.pk).update(archived=True)
    before = _state()
    response = client_as(who).post(_url("achievement-archive", achievement.issuer, achievement.pk), {"archived": "0"})
    expected = expected_status(who, EDITORS)
    achievement.refresh_from_db()
    if expected == 200:
        assert response.status_code == 302
        assert achievement.archived is False
        assert [a[:2] for a in _audit("achievement.unarchived")] == [(str(achievement.pk), staff[who].username)]
    else:
        assert response.status_code == expected
        assert _state() == before
        assert achievement.archived is True


@pytest.mark.parametrize("who", EVERYONE)
def test_markdown_preview_permission_matrix(client_as, issuer, who):
    response = client_as(who).post(_url("markdown-preview", issuer), {"text": "**hi**"})
    assert response.status_code == expected_status(who, EDITORS)
    if response.status_code == 200:
        assert response.content.decode() == "<p><strong>hi</strong></p>"


def test_archive_and_preview_refuse_get(client_as, achievement):
    client = client_as("owner")
    assert client.get(_url("achievement-archive", achievement.issuer, achievement.pk)).status_code == 405
    assert client.get(_url("markdown-preview", achievement.issuer)).status_code == 405


@pytest.mark.parametrize("name", ["achievement-detail", "achievement-edit"])
def test_another_issuers_achievement_is_not_found(client_as, issuer, other_issuer, name):
    foreign = Achievement.objects.create(
        issuer=other_issuer, slug="foreign", name="Foreign", description="d", criteria_narrative="n"
    )
    client = client_as("owner")
    assert client.get(_url(name, issuer, foreign.pk)).status_code == 404
    before = _state()
    assert client.post(_url("achievement-archive", issuer, foreign.pk), {"archived": "1"}).status_code == 404
    assert client.post(_url("achievement-edit", issuer, foreign.pk), _create_data()).status_code == 404
    assert _state() == before


# --- create ----------------------------------------------------------------------------------------------


def test_create_stores_every_field_with_rows_and_audit(client_as, issuer, staff):
    data = _create_data(
        alignments=[
            {
                "target_name": "Ethical reasoning",
                "target_url": "https://example.org/skills/ethics",
                "target_framework": "Example Skills",
                "target_code": "E1",
                "target_type": "CFItem",
                "target_type_extension": "",
                "target_description": "Weighs harms and benefits.",
            }
        ],
        results=[
            {
                "name": "Essay grade",
                "result_type": "LetterGrade",
                "allowed_values": "D, C, B, A",
                "required_value": "B",
                "value_min": "",
                "value_max": "",
            }
        ],
        criteria_url="https://example.org/criteria/ethics",
        in_language="en-gb",
        validity_days="365",
        achievement_type="ext",
        achievement_type_extension="Seminar",
        image_caption="A scale",
    )
    data["image"] = SimpleUploadedFile("scale.png", _png(), content_type="image/png")
    response = client_as("editor").post(_url("achievement-create", issuer), data)
    assert response.status_code == 302
    created = Achievement.objects.get(issuer=issuer)
    assert response["Location"] == _url("achievement-detail", issuer, created.pk)
    values = {
        field: getattr(created, field)
        for field in (
            "slug",
            "name",
            "description",
            "criteria_narrative",
            "criteria_url",
            "image_caption",
            "achievement_type",
            "tags",
            "credits_available",
            "field_of_study",
            "human_code",
            "specialization",
            "in_language",
            "version",
            "validity_days",
            "result_descriptions",
            "archived",
        )
    }
    assert values == {
        "slug": "data-ethics",
        "name": "Data Ethics",
        "description": "Reasons about the ethics of data use.",
        "criteria_narrative": "Write an **essay**.",
        "criteria_url": "https://example.org/criteria/ethics",
        "image_caption": "A scale",
        "achievement_type": "ext:Seminar",
        "tags": ["ethics", "data"],
        "credits_available": Decimal("2.50"),
        "field_of_study": "Philosophy",
        "human_code": "PH-210",
        "specialization": "Applied ethics",
        "in_language": "en-GB",
        "version": "1",
        "validity_days": 365,
        "result_descriptions": [
            {
                "name": "Essay grade",
                "resultType": "LetterGrade",
                "allowedValue": ["D", "C", "B", "A"],
                "requiredValue": "B",
            }
        ],
        "archived": False,
    }
    assert created.image.name.startswith("achievements/") and created.image.name.endswith(".png")
    assert "scale" not in created.image.name  # named by content, never by the uploader's file name
    assert list(created.alignments.values_list("target_name", "target_url", "target_type", "position")) == [
        ("Ethical reasoning", "https://example.org/skills/ethics", "CFItem", 0)
    ]
    ((object_id, actor, audit_data),) = _audit("achievement.created")
    assert (object_id, actor) == (str(created.pk), "editor")
    assert audit_data == {
        "changed": [
            "achievement_type",
            "alignments",
            "credits_available",
            "criteria_narrative",
            "criteria_url",
            "description",
            "field_of_study",
            "human_code",
            "image",
            "image_caption",
            "in_language",
            "name",
            "result_descriptions",
            "slug",
            "specialization",
            "tags",
            "validity_days",
        ],
        "version": "1",
    }
    assert AuditEvent.objects.filter(object_type="achievement").count() == 1


def test_create_suggests_a_free_slug_from_the_name(client_as, achievement):
    response = client_as("owner").post(
        _url("achievement-create", achievement.issuer), _create_data(name="Python Basics")
    )
    assert response.status_code == 302
    assert sorted(Achievement.objects.values_list("slug", flat=True)) == ["python-basics", "python-basics-2"]


def test_create_page_is_a_complete_accessible_form(client_as, issuer):
    html = client_as("editor").get(_url("achievement-create", issuer)).content.decode()
    for field in (
        "name",
        "slug",
        "description",
        "criteria_narrative",
        "criteria_url",
        "image",
        "image_caption",
        "achievement_type",
        "achievement_type_extension",
        "tags",
        "credits_available",
        "field_of_study",
        "human_code",
        "specialization",
        "in_language",
        "version",
        "validity_days",
    ):
        assert f'name="{field}"' in html, field
        assert f'<label for="id_{field}">' in html, field
    form = html.split("<footer")[0]  # the footer's language switcher has options of its own
    assert form.count("<option value=") == 31 + 1  # the OB 3.0 types and "Other: an extension"
    assert 'enctype="multipart/form-data"' in html
    for legend in ("About", "Achievement type", "Criteria", "Image", "Details", "Results", "Alignments"):
        assert f"<legend>{legend}</legend>" in html
    assert 'name="alignments-TOTAL_FORMS"' in html and 'name="results-TOTAL_FORMS"' in html


# --- validation keeps what was typed ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message", "kept"),
    [
        ({"name": ""}, "name", "Give the achievement a name.", "Reasons about the ethics of data use."),
        (
            {"criteria_narrative": "", "criteria_url": ""},
            "criteria_narrative",
            "Give the criteria as a narrative, a web page, or both.",
            "PH-210",
        ),
        ({"criteria_url": "not a web address"}, "criteria_url", "Enter a full web address", "not a web address"),
        ({"in_language": "english"}, "in_language", "Use a BCP 47 language tag", 'value="english"'),
        (
            {"slug": "python-basics"},
            "slug",
            "This issuer already has an achievement with the slug “python-basics”",
            'value="python-basics"',
        ),
        (
            {"achievement_type": "ext", "achievement_type_extension": ""},
            "achievement_type_extension",
            "Type the extension",
            "Data Ethics",
        ),
        ({"credits_available": "-1"}, "credits_available", "greater than or equal to 0", 'value="-1"'),
    ],
)
def test_invalid_input_shows_field_errors_and_keeps_everything(client_as, achievement, overrides, field, message, kept):
    before = _state()
    data = _create_data(
        alignments=[{"target_name": "Kept alignment", "target_url": "https://example.org/kept", "target_type": "CTDL"}],
        results=[{"name": "Kept result", "result_type": "Percent", "value_min": "0", "value_max": "100"}],
        **overrides,
    )
    response = client_as("editor").post(_url("achievement-create", achievement.issuer), data)
    assert response.status_code == 200
    assert _state() == before
    html = response.content.decode()
    assert field in response.context["form"].errors
    assert f'id="id_{field}_error"' in html
    assert message in html
    assert kept in html
    for typed in ('value="Kept alignment"', 'value="https://example.org/kept"', 'value="Kept result"', 'value="100"'):
        assert typed in html
    assert "Nothing was saved yet" in html
    assert f'<a href="#id_{field}">' in html  # the summary at the top links to the input


def test_alignment_row_without_url_is_refused_and_kept(client_as, issuer):
    data = _create_data(
        alignments=[{"target_name": "No address here", "target_url": "", "target_framework": "Frame A"}]
    )
    response = client_as("editor").post(_url("achievement-create", issuer), data)
    assert response.status_code == 200
    assert Achievement.objects.count() == 0
    formset = response.context["alignment_formset"]
    assert formset.forms[0].errors == {"target_url": ["Give the web address."]}
    html = response.content.decode()
    assert 'id="id_alignments-0-target_url_error"' in html
    assert 'value="No address here"' in html and 'value="Frame A"' in html and 'value="Data Ethics"' in html


def test_result_rules_are_checked_per_row(client_as, issuer):
    data = _create_data(
        results=[
            {"name": "Grade", "result_type": "LetterGrade", "allowed_values": "C, B, A", "required_value": "E"},
            {"name": "Score", "result_type": "RawScore", "value_min": "10", "value_max": "5"},
        ]
    )
    response = client_as("editor").post(_url("achievement-create", issuer), data)
    assert response.status_code == 200
    forms = response.context["result_formset"].forms
    assert forms[0].non_field_errors() == ["The required value “E” is not one of the allowed values."]
    assert forms[1].non_field_errors() == ["The minimum (10) is above the maximum (5)."]
    assert Achievement.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7 not an image", "The file is not a PNG, JPEG, GIF, WebP or SVG image"),
        (b"GIF89a not really", "The GIF file is damaged or incomplete"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "The PNG file is damaged or incomplete"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "scripts"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (1024 * 1024), "the limit is 1 MB"),
    ],
    ids=["not-an-image", "damaged-gif", "damaged-png", "svg-script", "oversized"],
)
def test_bad_image_is_refused_with_a_precise_error(client_as, issuer, content, message):
    data = _create_data(image=SimpleUploadedFile("badge.png", content, content_type="image/png"))
    response = client_as("editor").post(_url("achievement-create", issuer), data)
    assert response.status_code == 200
    assert Achievement.objects.count() == 0
    errors = response.context["form"].errors["image"]
    assert len(errors) == 1 and message in errors[0]
    html = response.content.decode()
    assert 'id="id_image_error"' in html
    assert "Choose the image file again" in html
    assert 'value="Data Ethics"' in html


@pytest.mark.parametrize(
    ("fmt", "content_type"), [("JPEG", "image/jpeg"), ("WEBP", "image/webp"), ("GIF", "image/gif")]
)
def test_a_jpeg_webp_or_gif_badge_image_is_stored_as_png(client_as, issuer, fmt, content_type):
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (11, 87, 208)).save(buffer, fmt)
    data = _create_data(image=SimpleUploadedFile("badge.img", buffer.getvalue(), content_type=content_type))
    response = client_as("editor").post(_url("achievement-create", issuer), data)
    assert response.status_code == 302
    created = Achievement.objects.get(issuer=issuer)
    assert created.image.name.endswith(".png")
    with created.image.open("rb") as stored:
        assert Image.open(stored).format == "PNG"


def test_the_image_field_offers_every_accepted_type(client_as, issuer):
    page = client_as("editor").get(_url("achievement-create", issuer)).content.decode()
    assert 'accept="image/png,image/jpeg,image/gif,image/webp,image/svg+xml"' in page
    assert "PNG, JPEG, GIF or WebP" in page


def test_too_large_png_dimensions_are_refused(client_as, issuer):
    data = _create_data(image=SimpleUploadedFile("wide.png", _png(5000, 2), content_type="image/png"))
    response = client_as("editor").post(_url("achievement-create", issuer), data)
    assert response.context["form"].errors["image"] == ["The image is 5000×2 pixels; the limit is 4096×4096."]
    assert Achievement.objects.count() == 0


# --- the buttons that do not save: add a row, preview -----------------------------------------------------


def test_add_another_alignment_adds_an_empty_row_and_keeps_everything(client_as, issuer):
    data = _create_data(
        name="",  # invalid, but adding a row judges nothing yet
        alignments=[{"target_name": "First", "target_url": "https://example.org/first", "target_code": "F-1"}],
        action="add-alignment",
    )
    response = client_as("editor").post(_url("achievement-create", issuer), data)
    assert response.status_code == 200
    assert Achievement.objects.count() == 0
    formset = response.context["alignment_formset"]
    assert len(formset.forms) == 2
    html = response.content.decode()
    assert 'name="alignments-TOTAL_FORMS" value="2"' in html
    assert 'value="First"' in html and 'value="F-1"' in html and 'value="ethics, data"' in html
    assert 'name="alignments-1-target_name"' in html
    assert "errorlist" not in html


def test_add_another_result_then_save_uses_only_filled_rows(client_as, issuer):
    client = client_as("editor")
    response = client.post(_url("achievement-create", issuer), _create_data(action="add-result"))
    assert 'name="results-TOTAL_FORMS" value="1"' in response.content.decode()
    # The added row left empty is ignored on save; a filled one is kept.
    data = _create_data(results=[{"name": "", "result_type": "Result"}])
    assert client.post(_url("achievement-create", issuer), data).status_code == 302
    assert Achievement.objects.get().result_descriptions == []


def test_delete_checkbox_removes_a_row_on_save(client_as, achievement):
    Alignment.objects.create(
        achievement=achievement, target_name="Second", target_url="https://example.org/2", position=1
    )
    data = _edit_data(achievement, **{"alignments-0-DELETE": "on"})
    response = client_as("owner").post(_url("achievement-edit", achievement.issuer, achievement.pk), data)
    assert response.status_code == 302
    assert list(achievement.alignments.values_list("target_name", "position")) == [("Second", 0)]
    achievement.refresh_from_db()
    assert achievement.version == "2"
    assert _audit("achievement.updated")[0][2] == {"changed": ["alignments", "version"], "version": "2"}


def test_deleted_row_is_not_validated(client_as, achievement):
    data = _edit_data(achievement, **{"alignments-0-DELETE": "on", "alignments-0-target_url": ""})
    response = client_as("owner").post(_url("achievement-edit", achievement.issuer, achievement.pk), data)
    assert response.status_code == 302
    assert achievement.alignments.count() == 0


def test_preview_button_renders_sanitized_criteria_and_keeps_the_form(client_as, issuer):
    narrative = (
        'Do **this**.\n\n<script>alert("x")</script>\n\n[click](javascript:alert(1)) [ok](https://example.org/x)'
    )
    data = _create_data(criteria_narrative=narrative, name="", action="preview")
    response = client_as("editor").post(_url("achievement-create", issuer), data)
    assert response.status_code == 200
    assert Achievement.objects.count() == 0
    preview = str(response.context["preview"])
    assert "<strong>this</strong>" in preview
    assert "<script" not in preview and "javascript:" not in preview
    assert '<a href="https://example.org/x" rel="nofollow noopener">ok</a>' in preview
    html = response.content.decode()
    assert 'id="criteria-preview"' in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html  # the typed text is kept in the textarea
    assert 'value="PH-210"' in html
    assert "errorlist" not in html  # the empty name is judged on save, not on preview


def test_markdown_preview_endpoint_returns_a_sanitized_fragment(client_as, issuer):
    text = "# Title\n\n<script>steal()</script><img src=x onerror=alert(1)>[a](javascript:alert(1)) [b](https://e.org)"
    response = client_as("editor").post(_url("markdown-preview", issuer), {"text": text})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response.content.decode() == (
        '<h3>Title</h3>\n\n<p><a rel="nofollow noopener">a</a> <a href="https://e.org" rel="nofollow noopener">b</a></p>'
    )
