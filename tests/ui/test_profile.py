"""The issuer profile page: every member sees the public profile, only owners may change it."""

from __future__ import annotations

import base64
import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from issuer.models import AuditEvent, Issuer
from tests.ui.conftest import expected_status

WHO = [None, "stranger", "owner", "editor", "awarder", "viewer"]
ALL_STAFF = {"owner", "editor", "awarder", "viewer"}
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#0b57d0"/></svg>'


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def url(issuer: Issuer) -> str:
    return f"/manage/{issuer.slug}/profile/"


def form_data(**overrides: object) -> dict[str, object]:
    """A complete POST of the profile form as the fixture issuer stands, with `overrides`."""
    data: dict[str, object] = {
        "name": "Test University",
        "description": "",
        "url": "https://uni.example.org",
        "email": "badges@uni.example.org",
        "phone": "",
        "official": "",
        "street_address": "",
        "address_locality": "",
        "address_region": "",
        "postal_code": "",
        "address_country": "",
        "address_country_code": "",
        "language": "",
        "expiry_reminder_days": "30, 7",
        "identifiers-TOTAL_FORMS": "2",
        "identifiers-INITIAL_FORMS": "0",
        "identifiers-MIN_NUM_FORMS": "0",
        "identifiers-MAX_NUM_FORMS": "1000",
        "identifiers-0-identifier": "",
        "identifiers-0-identifier_type": "",
        "identifiers-1-identifier": "",
        "identifiers-1-identifier_type": "",
    }
    data.update(overrides)
    return data


def png_bytes(width: int = 8, height: int = 8) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (11, 87, 208)).save(buffer, format="PNG")
    return buffer.getvalue()


def snapshot(issuer: Issuer) -> dict[str, object]:
    issuer.refresh_from_db()
    return {f.name: getattr(issuer, f.name) for f in Issuer._meta.fields if f.name != "image"} | {
        "image": issuer.image.name
    }


@pytest.mark.parametrize("who", WHO)
def test_profile_page_permission_matrix(client_as, issuer, who):
    response = client_as(who).get(url(issuer))
    assert response.status_code == expected_status(who, ALL_STAFF)
    if who is None:
        assert response["Location"].startswith("/accounts/login/")
    if response.status_code == 200:
        assert b"Test University" in response.content
        # Only owners get the form; everyone else sees the read-only public profile.
        assert (response.context["form"] is not None) == (who == "owner")
        assert (b'enctype="multipart/form-data"' in response.content) == (who == "owner")


@pytest.mark.parametrize("who", WHO)
def test_profile_update_permission_matrix(client_as, issuer, who):
    before, events = snapshot(issuer), AuditEvent.objects.count()
    response = client_as(who).post(url(issuer), form_data(name="Renamed University"))
    allowed = expected_status(who, {"owner"})
    assert response.status_code == (302 if allowed == 200 else allowed)
    if who == "owner":
        assert response["Location"] == url(issuer)
        assert Issuer.objects.get(pk=issuer.pk).name == "Renamed University"
        event = AuditEvent.objects.get(action="issuer.updated")
        assert (event.issuer, event.actor.username, event.data) == (issuer, "alice", {"changed": ["name"]})
        assert AuditEvent.objects.count() == events + 1
    else:
        if who is None:
            assert response["Location"].startswith("/accounts/login/")
        assert snapshot(issuer) == before
        assert AuditEvent.objects.count() == events


def test_every_profile_field_is_saved(client_as, issuer):
    response = client_as("owner").post(
        url(issuer),
        form_data(
            name="  Test University of Testing ",
            description="We teach.\nWe test.",
            url="https://www.uni.example.org/about",
            email="office@uni.example.org",
            phone="+44 20 7946 0000",
            official="Prof. Ada Lovelace",
            street_address="1 College Road",
            address_locality="Cambridge",
            address_region="Cambridgeshire",
            postal_code="CB2 1TN",
            address_country="United Kingdom",
            address_country_code="gb",
            issue_jwt_by_default="on",
            **{
                "identifiers-0-identifier": "12345678",
                "identifiers-0-identifier_type": "sourcedId",
                "identifiers-1-identifier": "UKPRN-10007788",
                "identifiers-1-identifier_type": "ext:ukprn",
            },
        ),
    )
    assert response.status_code == 302
    issuer.refresh_from_db()
    assert (issuer.name, issuer.description, issuer.url, issuer.email) == (
        "Test University of Testing",
        "We teach.\nWe test.",
        "https://www.uni.example.org/about",
        "office@uni.example.org",
    )
    assert (issuer.phone, issuer.official) == ("+44 20 7946 0000", "Prof. Ada Lovelace")
    assert (
        issuer.street_address,
        issuer.address_locality,
        issuer.address_region,
        issuer.postal_code,
        issuer.address_country,
        issuer.address_country_code,
    ) == ("1 College Road", "Cambridge", "Cambridgeshire", "CB2 1TN", "United Kingdom", "GB")
    assert issuer.other_identifiers == [
        {"identifier": "12345678", "identifierType": "sourcedId"},
        {"identifier": "UKPRN-10007788", "identifierType": "ext:ukprn"},
    ]
    assert issuer.issue_jwt_by_default is True
    event = AuditEvent.objects.get(action="issuer.updated")
    assert event.data == {
        "changed": sorted(
            [
                "name",
                "description",
                "url",
                "email",
                "phone",
                "official",
                "street_address",
                "address_locality",
                "address_region",
                "postal_code",
                "address_country",
                "address_country_code",
                "other_identifiers",
                "issue_jwt_by_default",
            ]
        )
    }


def test_saving_without_changes_writes_no_audit_row(client_as, issuer):
    events = AuditEvent.objects.count()
    assert client_as("owner").post(url(issuer), form_data()).status_code == 302
    assert AuditEvent.objects.count() == events


def test_identifier_rows_can_be_removed(client_as, issuer):
    Issuer.objects.filter(pk=issuer.pk).update(
        other_identifiers=[
            {"identifier": "a-1", "identifierType": "systemId"},
            {"identifier": "b-2", "identifierType": "isbn"},
        ]
    )
    page = client_as("owner").get(url(issuer))
    assert b'value="a-1"' in page.content and b'value="b-2"' in page.content
    data = form_data(
        **{
            "identifiers-TOTAL_FORMS": "4",
            "identifiers-INITIAL_FORMS": "2",
            "identifiers-0-identifier": "a-1",
            "identifiers-0-identifier_type": "systemId",
            "identifiers-0-DELETE": "on",
            "identifiers-1-identifier": "b-2",
            "identifiers-1-identifier_type": "isbn",
            "identifiers-2-identifier": "",
            "identifiers-2-identifier_type": "",
            "identifiers-3-identifier": "",
            "identifiers-3-identifier_type": "",
        }
    )
    assert client_as("owner").post(url(issuer), data).status_code == 302
    issuer.refresh_from_db()
    assert issuer.other_identifiers == [{"identifier": "b-2", "identifierType": "isbn"}]
    assert AuditEvent.objects.get(action="issuer.updated").data == {"changed": ["other_identifiers"]}


def test_invalid_input_shows_field_errors_and_keeps_what_was_typed(client_as, issuer):
    before, events = snapshot(issuer), AuditEvent.objects.count()
    response = client_as("owner").post(
        url(issuer),
        form_data(
            name="Typed Name Kept",
            email="not-an-address",
            url="ht!tp://no",
            address_country_code="GBR",
            description="Typed description kept",
            **{"identifiers-0-identifier": "X-42", "identifiers-0-identifier_type": "favouriteColour"},
        ),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["email"] == ["Enter a valid email address."]
    assert form.errors["url"] == ["Enter a valid URL."]
    assert form.errors["address_country_code"] == ["Ensure this value has at most 2 characters (it has 3)."]
    assert response.context["identifiers"].forms[0].errors["identifier_type"] == [
        "“favouriteColour” is not an identifier type. Pick one from the list, or write a custom type as ext:YourType."
    ]
    content = response.content.decode()
    for typed in ("Typed Name Kept", "not-an-address", "ht!tp://no", "GBR", "X-42", "favouriteColour"):
        assert f'value="{typed}"' in content
    assert "Typed description kept</textarea>" in content
    assert "Nothing was saved" in content
    assert snapshot(issuer) == before
    assert AuditEvent.objects.count() == events


def test_identifier_needs_both_parts(client_as, issuer):
    response = client_as("owner").post(
        url(issuer),
        form_data(
            **{
                "identifiers-0-identifier": "only-a-value",
                "identifiers-1-identifier_type": "isbn",
            }
        ),
    )
    assert response.status_code == 200
    rows = response.context["identifiers"].forms
    assert rows[0].errors == {"identifier_type": ["Choose the type of this identifier."]}
    assert rows[1].errors == {"identifier": ["Enter the identifier, or clear its type to drop the row."]}
    assert Issuer.objects.get(pk=issuer.pk).other_identifiers == []


def test_valid_png_logo_is_stored_and_shown(client_as, issuer):
    response = client_as("owner").post(url(issuer), form_data(image=SimpleUploadedFile("logo.png", png_bytes())))
    assert response.status_code == 302
    issuer.refresh_from_db()
    # Named by the hash of its content (docs/decisions.md D28), not by the uploader's file name.
    assert issuer.image.name == f"issuers/{hashlib.sha256(png_bytes()).hexdigest()}.png"
    with issuer.image.open("rb") as stored:
        assert stored.read() == png_bytes()
    assert AuditEvent.objects.get(action="issuer.updated").data == {"changed": ["image"]}
    page = client_as("owner").get(url(issuer))
    assert f'<img src="/media/{issuer.image.name}" alt="Logo of Test University"'.encode() in page.content
    # Saving again without a file keeps the logo and changes nothing.
    assert client_as("owner").post(url(issuer), form_data()).status_code == 302
    assert Issuer.objects.get(pk=issuer.pk).image.name == issuer.image.name
    assert AuditEvent.objects.filter(action="issuer.updated").count() == 1


def test_jpeg_logo_is_stored_as_a_png_without_its_metadata(client_as, issuer):
    exif = Image.Exif()
    exif[0x013B] = "Photographer's name"
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (11, 87, 208)).save(buffer, format="JPEG", exif=exif.tobytes())
    upload = SimpleUploadedFile("logo.jpg", buffer.getvalue(), content_type="image/jpeg")
    assert client_as("owner").post(url(issuer), form_data(image=upload)).status_code == 302
    issuer.refresh_from_db()
    assert issuer.image.name.startswith("issuers/") and issuer.image.name.endswith(".png")
    with issuer.image.open("rb") as stored:
        content = stored.read()
    assert content.startswith(b"\x89PNG") and b"Photographer" not in content


def test_owner_chooses_to_embed_images_in_new_credentials(client_as, issuer):
    page = client_as("owner").get(url(issuer))
    assert b'<input type="checkbox" name="embed_images"' in page.content
    response = client_as("owner").post(url(issuer), form_data(embed_images="on"))
    assert response.status_code == 302
    assert Issuer.objects.get(pk=issuer.pk).embed_images is True
    assert AuditEvent.objects.get(action="issuer.updated").data == {"changed": ["embed_images"]}


def test_valid_svg_logo_is_stored(client_as, issuer):
    response = client_as("owner").post(
        url(issuer), form_data(image=SimpleUploadedFile("logo.svg", SVG, content_type="image/svg+xml"))
    )
    assert response.status_code == 302
    issuer.refresh_from_db()
    assert issuer.image.name.endswith(".svg")
    # Stored as rebuilt from the allow-list (docs/decisions.md D36): the same drawing, written by us.
    with issuer.image.open("rb") as stored:
        assert stored.read() == (
            b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
            b'<rect width="10" height="10" fill="#0b57d0" /></svg>'
        )


def rich_svg() -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
        b' xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" viewBox="0 0 10 10" inkscape:version="1.3">'
        b'<defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient>'
        b"<style>.a { fill: url('#g'); }</style></defs>"
        b'<rect class="a" width="10" height="10" style="stroke: url( #g )"/><use xlink:href="#g"/>'
        b'<image href="data:image/png;base64,' + base64.b64encode(png_bytes(2, 2)) + b'" width="1" height="1"/></svg>'
    )


def test_self_contained_svg_with_gradients_and_embedded_images_is_accepted(client_as, issuer):
    response = client_as("owner").post(url(issuer), form_data(image=SimpleUploadedFile("rich.svg", rich_svg())))
    assert response.status_code == 302
    issuer.refresh_from_db()
    assert issuer.image.name.endswith(".svg")
    with issuer.image.open("rb") as stored:
        kept = stored.read()
    # The drawing survives the rebuild, in canonical form; the editor's namespace and attribute do not.
    assert b"<style>.a{fill:url(#g)}</style>" in kept
    assert b'<rect class="a" width="10" height="10" style="stroke:url(#g)" />' in kept
    assert b'<use xlink:href="#g" />' in kept
    assert b'<image href="data:image/png;base64,' in kept
    assert b"inkscape" not in kept


def test_logo_can_be_removed(client_as, issuer):
    client_as("owner").post(url(issuer), form_data(image=SimpleUploadedFile("logo.png", png_bytes())))
    response = client_as("owner").post(url(issuer), form_data(**{"image-clear": "on"}))
    assert response.status_code == 302
    assert Issuer.objects.get(pk=issuer.pk).image.name == ""
    assert [e.data for e in AuditEvent.objects.filter(action="issuer.updated").order_by("id")] == [
        {"changed": ["image"]},
        {"changed": ["image"]},
    ]


BAD_LOGOS = [
    pytest.param(
        "notes.png",
        b"This is plain text, renamed.",
        "The file is not a PNG, JPEG, GIF, WebP or SVG image",
        id="text-as-png",
    ),
    pytest.param(
        "broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "The PNG file is damaged or incomplete", id="broken-png"
    ),
    pytest.param(
        "script.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "The SVG contains a <script> element",
        id="svg-script",
    ),
    pytest.param(
        "onload.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>',
        "The SVG has an event handler attribute (onload on <svg>)",
        id="svg-onload",
    ),
    pytest.param(
        "external.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        b'<image xlink:href="https://evil.example/x.png" width="1" height="1"/></svg>',
        "The SVG refers to something outside the file (href=",
        id="svg-external-image",
    ),
    pytest.param(
        "css.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://evil.example/a.css);</style></svg>',
        "The SVG refers to something outside the file (@import in its stylesheet)",
        id="svg-css-import",
    ),
    pytest.param(
        "fill.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(https://evil.example/p.svg#p)"/></svg>',
        "url(https://evil.example/p.svg#p) in fill on <rect>",
        id="svg-external-fill",
    ),
    pytest.param(
        "foreign.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p xmlns="http://www.w3.org/1999/xhtml">hi</p>'
        b"</foreignObject></svg>",
        "The SVG contains a <foreignObject> element",
        id="svg-foreign-object",
    ),
    pytest.param(
        "entity.svg",
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
        "The SVG declares a DTD or entities",
        id="svg-entity",
    ),
    pytest.param("html.svg", b"<html><body>hi</body></html>", "The file is XML but not an SVG image", id="xml-not-svg"),
    pytest.param(
        "stylesheet.svg",
        b'<?xml-stylesheet href="https://evil.example/a.css"?><svg xmlns="http://www.w3.org/2000/svg"/>',
        "The SVG contains a processing instruction (<?xml-stylesheet …?>)",
        id="svg-xml-stylesheet",
    ),
    pytest.param("big.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (1024 * 1024), "the limit is 1 MB", id="oversized"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_LOGOS)
def test_bad_logo_is_refused_with_a_precise_error(client_as, issuer, name, content, message):
    before, events = snapshot(issuer), AuditEvent.objects.count()
    response = client_as("owner").post(
        url(issuer), form_data(name="Typed While Uploading", image=SimpleUploadedFile(name, content))
    )
    assert response.status_code == 200
    [error] = response.context["form"].errors["image"]
    assert message in error
    assert message.replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#x27;") in response.content.decode()
    assert b'value="Typed While Uploading"' in response.content
    assert snapshot(issuer) == before
    assert AuditEvent.objects.count() == events


def test_png_larger_than_4096_pixels_is_refused(client_as, issuer):
    response = client_as("owner").post(url(issuer), form_data(image=SimpleUploadedFile("wide.png", png_bytes(4097, 1))))
    assert response.status_code == 200
    assert response.context["form"].errors["image"] == ["The image is 4097×1 pixels; the limit is 4096×4096."]
    assert Issuer.objects.get(pk=issuer.pk).image.name == ""


def test_service_checks_the_logo_too(issuer, user):
    from issuer.services import issuer_update

    with pytest.raises(ValidationError) as caught:
        issuer_update(issuer=issuer, actor=user, image=SimpleUploadedFile("x.png", b"not an image"))
    assert caught.value.message_dict == {
        "image": ["The file is not a PNG, JPEG, GIF, WebP or SVG image (its content was checked, not its name)."]
    }
    assert not AuditEvent.objects.filter(action="issuer.updated").exists()


def test_service_refuses_unknown_fields_and_identifier_types(issuer, user):
    from issuer.services import IssuerError, issuer_update

    with pytest.raises(IssuerError, match="Not profile fields: slug"):
        issuer_update(issuer=issuer, actor=user, slug="elsewhere")
    with pytest.raises(ValidationError) as caught:
        issuer_update(issuer=issuer, actor=user, other_identifiers=[{"identifier": "1", "identifierType": "color"}])
    assert caught.value.message_dict == {"other_identifiers": ["Identifier 1: 'color' is not an identifier type."]}
    assert Issuer.objects.get(pk=issuer.pk).slug == "uni"


def test_public_profile_partial_and_the_note_on_issued_credentials(client_as, issuer):
    Issuer.objects.filter(pk=issuer.pk).update(
        description="Founded to test.", street_address="1 Test Road", address_locality="Testville"
    )
    content = client_as("viewer").get(url(issuer)).content.decode()
    assert "Profile changes apply to credentials issued from now on" in content
    assert "issued keep the profile they were signed with" in content
    assert '<a href="https://uni.example.org" rel="nofollow noopener">https://uni.example.org</a>' in content
    assert '<a href="mailto:badges@uni.example.org">badges@uni.example.org</a>' in content
    assert "<p>Founded to test.</p>" in content
    assert "1 Test Road<br>" in content
    assert "Only owners can change the profile." in content


# --- the brand colour (issuer.branding) ---------------------------------------------------------------------------


def test_the_owner_sets_the_colour_on_the_profile_page(client_as, issuer):
    response = client_as("owner").post(url(issuer), form_data(brand_color=" #7A1F5C "))

    assert response.status_code == 302
    issuer.refresh_from_db()
    assert issuer.brand_color == "#7a1f5c"
    assert AuditEvent.objects.get(action="issuer.updated").data == {"changed": ["brand_color"]}


@pytest.mark.parametrize("value", ["red", "#7a1f5", "7a1f5c", "#7a1f5g"])
def test_a_colour_that_is_not_rrggbb_is_refused_with_a_message(client_as, issuer, value):
    response = client_as("owner").post(url(issuer), form_data(brand_color=value))

    assert response.status_code == 200
    assert response.context["form"].errors["brand_color"] == [
        "Enter a colour as # and six hexadecimal digits, for example #0b57d0."
    ]
    assert Issuer.objects.get(pk=issuer.pk).brand_color == ""
