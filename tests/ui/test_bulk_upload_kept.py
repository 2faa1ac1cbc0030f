"""The upload page keeps the chosen file: a page that comes back with an error shows its name and rows instead of
an empty file input, the next submit uses it without a new upload, a preview can be checked again with another
achievement, and the kept file is forgotten once its job starts or after a day. Another issuer's kept file is as
unknown as none."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.storage import default_storage
from django.utils import timezone

from bulk.jobs import UPLOAD_KEPT_FOR, UPLOADS_KEPT_PER_ISSUER, bulk_job_start, bulk_upload_keep
from bulk.models import BulkJob, BulkJobStatus, BulkUpload
from tests.actors import owner
from tests.ui.bulk_pages import MIXED, _csv, _messages, _text, _upload


def _new(issuer) -> str:
    return f"/manage/{issuer.slug}/bulk/new/"


def test_an_error_elsewhere_keeps_the_file_and_the_next_submit_uses_it(client_as, issuer, achievement):
    client = client_as("awarder")

    # when: the file is fine, but its rows name no achievement and none is chosen
    response = _upload(client, issuer, MIXED, filename="cohort.csv")

    # then: nothing is checked, the file is kept and shown, the error is on the achievement
    assert response.status_code == 400
    upload = BulkUpload.objects.get()
    assert (upload.name, upload.rows, upload.issuer) == ("cohort.csv", 5, issuer)
    text = _text(response)
    assert "Nothing was checked yet; your file is kept." in text
    assert "cohort.csv</strong>: 5 rows, uploaded" in text
    assert "It is kept here: you need not choose it again." in text
    assert f'<input type="hidden" name="upload" value="{upload.uuid}">' in text
    assert "Choose another file" in text
    assert response.context["form"].errors == {
        "achievement": ["The file has no 'achievement' column; choose the achievement to award."]
    }
    assert BulkJob.objects.count() == 0

    # when: the achievement is chosen, and no file (the kept one stands in)
    response = client.post(_new(issuer), {"upload": str(upload.uuid), "achievement": str(achievement.pk)}, follow=True)

    # then: the preview of the kept file
    job = BulkJob.objects.get()
    assert (job.status, job.source_name, job.total_rows, job.valid_rows, job.upload) == (
        BulkJobStatus.VALIDATED,
        "cohort.csv",
        5,
        3,
        upload,
    )
    assert _messages(response) == [
        "Checked 5 rows: 3 can be issued, 2 cannot (listed below). Nothing is issued until you confirm."
    ]


def test_an_invalid_achievement_choice_keeps_the_file(client_as, issuer, other_issuer, achievement):
    from badges.models import Achievement

    theirs = Achievement.objects.create(issuer=other_issuer, slug="theirs", name="Theirs", description="Not ours.")
    response = _upload(client_as("awarder"), issuer, MIXED, achievement=theirs)
    assert response.status_code == 400
    assert response.context["form"].errors == {"achievement": ["Choose one of this issuer's current achievements."]}
    assert response.context["kept"] == BulkUpload.objects.get()


def test_an_unusable_file_is_not_kept(client_as, issuer, achievement):
    response = _upload(client_as("awarder"), issuer, b"", achievement=achievement)
    assert response.status_code == 400
    assert response.context["form"].errors == {"file": ["The file is empty."]}
    assert response.context["kept"] is None
    assert "Nothing was uploaded." in _text(response)
    assert BulkUpload.objects.count() == 0


def test_a_new_file_replaces_the_kept_one(client_as, issuer, achievement):
    client = client_as("awarder")
    _upload(client, issuer, MIXED, filename="first.csv")
    first = BulkUpload.objects.get()
    form = {"upload": str(first.uuid), "achievement": str(achievement.pk)}
    from django.core.files.uploadedfile import SimpleUploadedFile

    form["file"] = SimpleUploadedFile("second.csv", _csv("email", "ada@example.org"), content_type="text/csv")
    client.post(_new(issuer), form)
    assert BulkJob.objects.get().source_name == "second.csv"


def test_without_a_file_or_a_kept_one_the_file_is_asked_for(client_as, issuer, other_issuer, achievement):
    # Another issuer's kept file, and a made-up reference, are as absent as none.
    theirs, _ = bulk_upload_keep(issuer=other_issuer, data=MIXED, filename="theirs.csv", actor=owner(other_issuer))
    client = client_as("awarder")
    for ref in ("", str(theirs.uuid), "not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        response = client.post(_new(issuer), {"upload": ref, "achievement": str(achievement.pk)})
        assert response.status_code == 400
        assert response.context["form"].errors == {"file": ["Choose the file to upload."]}
        assert response.context["kept"] is None
    assert BulkJob.objects.count() == 0
    # Nor does the upload page show it.
    response = client.get(_new(issuer), {"upload": str(theirs.uuid)})
    assert response.context["kept"] is None
    assert "theirs.csv" not in _text(response)


def test_a_preview_is_checked_again_with_another_achievement(client_as, issuer, achievement):
    from badges.models import Achievement

    sql = Achievement.objects.create(issuer=issuer, slug="sql", name="SQL Fundamentals", description="SQL.")
    client = client_as("awarder")
    response = _upload(client, issuer, MIXED, achievement=achievement, follow=True)
    first = BulkJob.objects.get()
    upload = first.upload

    # The preview shows where to change the achievement or the file.
    link = f"/manage/{issuer.slug}/bulk/new/?upload={upload.uuid}&achievement={achievement.pk}"
    assert f'<a href="{link}">Check this file again with another achievement</a>' in _text(response)
    response = client.get(link)
    assert response.context["kept"] == upload
    assert response.context["form"]["achievement"].value() == achievement.pk

    # when: checked again with another achievement, without choosing the file
    client.post(_new(issuer), {"upload": str(upload.uuid), "achievement": str(sql.pk)})

    # then: a new preview for the same file, and the first one discarded
    second = BulkJob.objects.exclude(pk=first.pk).get()
    first.refresh_from_db()
    assert (second.status, second.achievement, second.upload, second.total_rows) == ("validated", sql, upload, 5)
    assert first.status == BulkJobStatus.CANCELLED


def test_starting_forgets_the_file(client_as, issuer, achievement, django_capture_on_commit_callbacks):
    client = client_as("awarder")
    _upload(client, issuer, MIXED, achievement=achievement)
    job = BulkJob.objects.get()
    name = job.upload.file.name
    assert default_storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        bulk_job_start(job=job, actor=owner(issuer))

    job.refresh_from_db()
    assert job.upload is None and BulkUpload.objects.count() == 0
    assert not default_storage.exists(name)
    # The job itself needs nothing of it: its rows are stored.
    assert job.rows.count() == 5


def test_kept_files_are_forgotten_after_a_day(issuer, achievement, django_capture_on_commit_callbacks):
    old, _ = bulk_upload_keep(issuer=issuer, data=MIXED, filename="old.csv", actor=owner(issuer))
    BulkUpload.objects.filter(pk=old.pk).update(created_at=timezone.now() - UPLOAD_KEPT_FOR - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        new, _ = bulk_upload_keep(issuer=issuer, data=MIXED, filename="new.csv", actor=owner(issuer))
    assert list(BulkUpload.objects.all()) == [new]
    assert not default_storage.exists(old.file.name)
    assert default_storage.exists(new.file.name)
    # Kept under its own name, never the uploader's.
    assert new.file.name == f"bulk/uploads/{new.uuid}.upload"


def test_an_issuer_keeps_only_its_newest_uploads(issuer, achievement, django_capture_on_commit_callbacks):
    # given: more uploads within the day than an issuer may keep
    with django_capture_on_commit_callbacks(execute=True):
        uploads = [
            bulk_upload_keep(issuer=issuer, data=MIXED, filename=f"{n}.csv", actor=owner(issuer))[0]
            for n in range(UPLOADS_KEPT_PER_ISSUER + 3)
        ]

    # then: the newest are kept, the oldest three and their files are gone
    kept = set(BulkUpload.objects.filter(issuer=issuer).values_list("pk", flat=True))
    assert kept == {upload.pk for upload in uploads[3:]}
    assert not any(default_storage.exists(upload.file.name) for upload in uploads[:3])
    assert all(default_storage.exists(upload.file.name) for upload in uploads[3:])
