"""`manage.py bulk_issue`: totals, invalid rows, exit codes, waiting for the job and its result file."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from badges.models import Credential
from bulk.models import BulkJob


def _file(tmp_path: Path, *lines: str, name: str = "awards.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("bulk_issue", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


MIXED = ("email,name", "ada@example.org,Ada", "nobody,Bob", "cy@example.org,Cy")


@pytest.mark.django_db(transaction=True)
def test_issues_the_valid_rows_and_waits(tmp_path, issuer, achievement, tasks_in_process):
    path = _file(tmp_path, *MIXED)

    out, err = _run(str(path), "--issuer", "uni", "--achievement", "python-basics", "--wait")

    job = BulkJob.objects.get()
    assert out == (
        "3 rows: 2 valid, 1 invalid.\n"
        "  line 3: 'nobody' is not a valid e-mail address\n"
        f"Job {job.uuid} started.\n"
        "Finished: 2 issued, 0 failed.\n"
        f"Results: {job.result_file.path}\n"
    )
    assert err.endswith(f"\r[{'#' * 30}] 2/2\n")
    assert (job.status, job.done_rows, job.source_name) == ("finished", 2, "awards.csv")
    assert sorted(Credential.objects.values_list("recipient_email", flat=True)) == ["ada@example.org", "cy@example.org"]
    header, first = Path(job.result_file.path).read_text().splitlines()[:2]
    assert (
        header
        == "line,email,name,external_id,achievement,status,reason,issued_at,credential_id,public_url,verification_url"
    )
    assert first.startswith("2,ada@example.org,")


@pytest.mark.django_db(transaction=True)
def test_the_same_file_twice_exits_2(tmp_path, issuer, achievement, tasks_in_process):
    path = _file(tmp_path, *MIXED)
    _run(str(path), "--issuer", "uni", "--achievement", "python-basics", "--wait")

    with pytest.raises(CommandError, match="No row can be awarded; nothing was issued.") as raised:
        _run(str(path), "--issuer", "uni", "--achievement", "python-basics")

    assert raised.value.returncode == 2
    assert Credential.objects.count() == 2
    assert BulkJob.objects.order_by("pk").last().status == "cancelled"


def test_without_wait_the_job_is_started(tmp_path, issuer, achievement):
    path = _file(tmp_path, "email", "ada@example.org")

    out, _ = _run(str(path), "--issuer", "uni", "--achievement", str(achievement.pk))

    job = BulkJob.objects.get()
    assert out == f"1 rows: 1 valid, 0 invalid.\nJob {job.uuid} started.\n"
    assert job.status == "queued"  # the task is enqueued when the command's transaction commits


def test_no_valid_row_exits_2(tmp_path, issuer, achievement):
    path = _file(tmp_path, "email", *(f"bad{n}" for n in range(53)))

    with pytest.raises(CommandError) as raised:
        _run(str(path), "--issuer", "uni", "--achievement", "python-basics")

    assert raised.value.returncode == 2
    assert Credential.objects.count() == 0


def test_the_invalid_row_listing_is_cut_after_50(tmp_path, issuer, achievement):
    path = _file(tmp_path, "email", "ok@example.org", *(f"bad{n}" for n in range(53)))

    out, _ = _run(str(path), "--issuer", "uni", "--achievement", "python-basics")

    lines = out.splitlines()
    assert lines[0] == "54 rows: 1 valid, 53 invalid."
    assert lines[1] == "  line 3: 'bad0' is not a valid e-mail address"
    assert lines[50] == "  line 52: 'bad49' is not a valid e-mail address"
    assert lines[51] == "  and 3 more"


@pytest.mark.parametrize(
    ("_case", "lines", "args", "message"),
    [
        ("empty file", [""], ["--achievement", "python-basics"], "The file is empty."),
        ("unknown column", ["mail", "a@example.org"], ["--achievement", "python-basics"], "Unknown column: 'mail'"),
        ("no achievement", ["email", "a@example.org"], [], "no 'achievement' column"),
        ("unknown achievement", ["email", "a@example.org"], ["--achievement", "nope"], "has no achievement 'nope'"),
    ],
)
def test_an_unusable_file_exits_2(tmp_path, issuer, achievement, _case, lines, args, message):
    path = _file(tmp_path, *lines)

    with pytest.raises(CommandError, match=message) as raised:
        _run(str(path), "--issuer", "uni", *args)

    assert raised.value.returncode == 2
    assert BulkJob.objects.count() == 0


def test_missing_file_and_unknown_issuer_exit_2(tmp_path, issuer):
    with pytest.raises(CommandError, match="Cannot read") as raised:
        _run(str(tmp_path / "missing.csv"), "--issuer", "uni")
    assert raised.value.returncode == 2
    with pytest.raises(CommandError, match="No issuer with slug 'nope'") as raised:
        _run(str(_file(tmp_path, "email", "a@example.org")), "--issuer", "nope")
    assert raised.value.returncode == 2
