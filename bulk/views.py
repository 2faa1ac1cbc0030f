"""The issuer's bulk-award pages: upload a file, check its preview, confirm, follow the progress, pause, resume or
cancel, download the results, undo.

Views are thin: the services in `bulk.jobs` decide what is allowed and write; a refusal (BulkJobError) comes
back as a message on the job's page. Every job is looked up within the issuer of the URL, so another issuer's UUID
is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from bulk.forms import BulkUndoForm, BulkUploadForm
from bulk.jobs import (
    BulkJobError,
    bulk_job_cancel,
    bulk_job_create_from_upload,
    bulk_job_pause,
    bulk_job_progress,
    bulk_job_start,
    bulk_job_undo,
    bulk_upload_keep,
)
from bulk.models import BulkJob, BulkJobStatus, BulkRow, BulkRowStatus
from bulk.parsing import COLUMNS, MAX_BYTES, BulkFileError, too_large
from bulk.selectors import bulk_upload_for
from issuer.models import Issuer
from issuer.permissions import Action, issuer_required

PAGE_SIZE = 25
ROWS_PER_PAGE = 100
TEMPLATE_CSV = settings.BASE_DIR / "templates" / "bulk" / "template.csv"
# The form's own fields (achievement, CSRF token) around the file; a larger request is refused unread.
MAX_REQUEST_BYTES = MAX_BYTES + 64 * 1024
IN_PROGRESS = (BulkJobStatus.QUEUED, BulkJobStatus.RUNNING, BulkJobStatus.PAUSED)
# What each column of a file holds, as the upload page explains it. The names are the file's vocabulary, the same in
# every language; only the explanations are translated.
COLUMN_HELP = {
    "email": _("Required. The learner's e-mail address; they are e-mailed a link to the credential."),
    "name": _("Optional. The learner's name, shown in the credential."),
    "achievement": _(
        "The achievement's slug, UUID or id. Required in every row unless you choose the achievement above."
    ),
    "evidence_url": _("Optional. A public page showing the learner's work."),
    "evidence_narrative": _("Optional. What the learner did to earn it."),
    "valid_until": _("Optional. The expiry date, like 2030-12-31; empty: the achievement's default validity."),
    "external_id": _(
        "Optional. Your own id for the award (a student or enrolment number); uploading the same id again never "
        "awards twice."
    ),
    "language": _(
        "Optional. The language of the learner's e-mail, en or de; empty: the issuer's default. A language the "
        "learner chose on this platform comes first."
    ),
    "result": _(
        "Optional. The learner's result (a score, grade or status) for an achievement with one result description. "
        "For several, give a column result:<name> for each, named after the result."
    ),
    "awarded_date": _("Optional. When it was awarded, like 2030-06-30; empty: now. Never in the future."),
    "activity_start_date": _("Optional. When the course or activity began, like 2030-04-01."),
    "activity_end_date": _("Optional. When it ended, like 2030-06-28."),
    "narrative": _("Optional. What this learner did, signed into their credential."),
    "evidence_name": _("Optional. The title of the learner's work."),
}


def _job(issuer: Issuer, uuid: Any) -> BulkJob:
    return get_object_or_404(
        BulkJob.objects.select_related("issuer", "achievement", "created_by", "upload"), issuer=issuer, uuid=uuid
    )


def _detail(issuer: Issuer, job: BulkJob) -> HttpResponse:
    return redirect("bulk:bulk-detail", issuer.slug, job.uuid)


def _number(value: float, decimals: int | None = None) -> str:
    """A figure as the reader's language writes it (1,234.5 or 1.234,5)."""
    return number_format(value, decimals, force_grouping=True)


def progress_words() -> dict[str, str]:
    """The parts of the figures under the progress bar, in the active language. The page hands them to the progress
    script (data attributes), which words the live figures with them: one wording, and in the reader's language."""
    return {
        "done": gettext("%(handled)s of %(valid)s rows done"),
        "failed": gettext("%(failed)s failed"),
        "rate": gettext("%(rate)s rows/s"),
        "seconds": gettext("about %(seconds)s s left"),
        "minutes": gettext("about %(minutes)s min left"),
        "hours": gettext("about %(hours)s h %(minutes)s min left"),
    }


def duration_text(seconds: int | None, words: dict[str, str] | None = None) -> str:
    """ "about 3 min left"-style wording for an ETA; the progress script words it the same way."""
    if seconds is None:
        return ""
    words = words or progress_words()
    if seconds < 60:
        return words["seconds"] % {"seconds": max(seconds, 1)}
    if seconds < 3600:
        return words["minutes"] % {"minutes": round(seconds / 60)}
    hours, rest = divmod(seconds, 3600)
    return words["hours"] % {"hours": hours, "minutes": round(rest / 60)}


def progress_text(progress: dict[str, Any]) -> str:
    """ "X of N rows done, F failed, R rows/s, about T left": the figures under the progress bar."""
    words = progress_words()
    parts = [
        words["done"] % {"handled": _number(progress["handled"]), "valid": _number(progress["valid"])},
        words["failed"] % {"failed": _number(progress["failed"])},
    ]
    if progress["rate"] is not None:
        parts.append(words["rate"] % {"rate": _number(progress["rate"], 1)})
    if eta := duration_text(progress["eta_seconds"], words):
        parts.append(eta)
    return ", ".join(parts)


def _percent(job: BulkJob) -> int:
    if not job.valid_rows:
        return 100 if job.status == BulkJobStatus.FINISHED else 0
    return min(100, (job.done_rows + job.failed_rows) * 100 // job.valid_rows)


@require_safe
@issuer_required(Action.VIEW)
def bulk_list(request: HttpRequest, issuer: Issuer) -> HttpResponse:
    """The issuer's bulk jobs, newest first."""
    queryset = BulkJob.objects.filter(issuer=issuer).select_related("created_by", "achievement")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"job": job, "percent": _percent(job), "invalid": job.total_rows - job.valid_rows} for job in page]
    return render(request, "bulk/list.html", {"nav": "bulk", "page": page, "rows": rows})


@require_http_methods(["GET", "POST"])
@issuer_required(Action.AWARD)
def bulk_create(request: AuthenticatedHttpRequest, issuer: Issuer) -> HttpResponse:
    """GET: the upload form (`?upload=` shows a kept file, `?achievement=` preselects one). POST: keep the file,
    check it and store it as a job waiting for confirmation, then show its preview. A file that cannot be used as a
    whole is refused (400) and not kept; a file that can is kept even when something else is wrong, and the page
    that comes back shows it instead of asking for it again."""
    if request.method != "POST":
        form = BulkUploadForm(initial=_upload_initial(request), issuer=issuer)
        form.show_kept(bulk_upload_for(issuer=issuer, ref=request.GET.get("upload")))
        return _upload_page(request, form)
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
        # Refused before the body is parsed: nothing of a huge upload is read or written to disk.
        return _upload_page(request, BulkUploadForm(issuer=issuer), status=400, error=too_large())
    form = BulkUploadForm(request.POST, request.FILES, issuer=issuer)
    form.is_valid()
    kept, parsed = form.cleaned_data.get("upload"), None
    if upload := form.cleaned_data.get("file"):  # a new file replaces the kept one, whatever else is wrong
        try:
            kept, parsed = bulk_upload_keep(
                issuer=issuer, data=upload.read(MAX_BYTES + 1), filename=upload.name or "", actor=request.user
            )
        except BulkFileError as exc:
            kept = None
            form.add_error("file", str(exc))
    form.show_kept(kept)
    if kept is None or form.errors:
        return _upload_page(request, form, status=400)
    try:
        job, preview = bulk_job_create_from_upload(
            upload=kept, parsed=parsed, achievement=form.cleaned_data["achievement"], actor=request.user
        )
    except BulkFileError as exc:
        form.add_error(exc.field, str(exc))
        return _upload_page(request, form, status=400)
    figures = {
        "total": _number(preview.total),
        "valid": _number(len(preview.valid)),
        "invalid": _number(len(preview.invalid)),
    }
    if preview.invalid:
        text = ngettext(
            "Checked %(total)s row: %(valid)s can be issued, %(invalid)s cannot (listed below). "
            "Nothing is issued until you confirm.",
            "Checked %(total)s rows: %(valid)s can be issued, %(invalid)s cannot (listed below). "
            "Nothing is issued until you confirm.",
            preview.total,
        )
    else:
        text = ngettext(
            "Checked %(total)s row: %(valid)s can be issued. Nothing is issued until you confirm.",
            "Checked %(total)s rows: %(valid)s can be issued. Nothing is issued until you confirm.",
            preview.total,
        )
    messages.success(request, text % figures)
    return _detail(issuer, job)


def _upload_initial(request: HttpRequest) -> dict[str, Any]:
    ref = request.GET.get("achievement", "")
    return {"achievement": int(ref)} if ref.isascii() and ref.isdigit() and len(ref) <= 18 else {}


def _upload_page(request: HttpRequest, form: BulkUploadForm, *, status: int = 200, error: str = "") -> HttpResponse:
    context = {
        "nav": "bulk",
        "form": form,
        "kept": form.kept,
        "error": error,
        "columns": [(column, COLUMN_HELP[column]) for column in COLUMNS],
    }
    return render(request, "bulk/create.html", context, status=status)


@require_safe
@issuer_required(Action.VIEW)
def bulk_template(request: HttpRequest, issuer: Issuer) -> HttpResponse:
    response = HttpResponse(TEMPLATE_CSV.read_bytes(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="bulk-awards-template.csv"'
    return response


@require_safe
@issuer_required(Action.VIEW)
def bulk_detail(request: HttpRequest, issuer: Issuer, uuid: Any) -> HttpResponse:
    return _detail_page(request, issuer, _job(issuer, uuid))


def _issued_count(job: BulkJob) -> int:
    """The credentials this job issued itself (not those found already issued): what an undo revokes."""
    return job.rows.filter(status=BulkRowStatus.ISSUED, credential__isnull=False).count()


def _detail_page(
    request: HttpRequest, issuer: Issuer, job: BulkJob, *, undo_form: BulkUndoForm | None = None, status: int = 200
) -> HttpResponse:
    progress = bulk_job_progress(job).as_dict()
    # The rows that will not be (or were not) issued, with their reasons; only invalid ones before the start.
    problem_statuses = [BulkRowStatus.INVALID]
    if job.status != BulkJobStatus.VALIDATED:
        problem_statuses.append(BulkRowStatus.FAILED)
    problems = BulkRow.objects.filter(job=job, status__in=problem_statuses).order_by("line", "pk")
    page = Paginator(problems.only("line", "status", "error"), ROWS_PER_PAGE).get_page(request.GET.get("page"))
    issued = _issued_count(job) if job.status not in (BulkJobStatus.VALIDATED, *IN_PROGRESS) else 0
    if undo_form is None and progress["can_undo"]:
        undo_form = BulkUndoForm(count=issued)
    context = {
        "nav": "bulk",
        "job": job,
        "progress": progress,
        "progress_text": progress_text(progress),
        "progress_words": progress_words(),
        "in_progress": job.status in IN_PROGRESS,
        # The page follows the job by itself while something is under way (bulk-progress.js).
        "following": job.status in IN_PROGRESS or progress["undo"] == "requested",
        "page": page,
        "issued": issued,
        "undo_form": undo_form,
    }
    return render(request, "bulk/detail.html", context, status=status)


@require_safe
@issuer_required(Action.VIEW)
def bulk_progress(request: HttpRequest, issuer: Issuer, uuid: Any) -> HttpResponse:
    response = JsonResponse(bulk_job_progress(_job(issuer, uuid)).as_dict())
    response["Cache-Control"] = "no-store"
    return response


@require_safe
@issuer_required(Action.VIEW)
def bulk_results(request: HttpRequest, issuer: Issuer, uuid: Any) -> FileResponse:
    job = _job(issuer, uuid)
    if not job.result_file or not job.result_file.storage.exists(job.result_file.name):
        raise Http404("The results of this job are not ready.")
    return FileResponse(
        job.result_file.open("rb"),
        as_attachment=True,
        filename=f"bulk-{job.uuid}-results.csv",
        content_type="text/csv; charset=utf-8",
    )


def _act(request: HttpRequest, issuer: Issuer, uuid: Any, change: Callable[[BulkJob], str]) -> HttpResponse:
    """Run one state change; a refusal is shown as a message on the job's page and changes nothing."""
    job = _job(issuer, uuid)
    try:
        text = change(job)
    except BulkJobError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, text)
    return _detail(issuer, job)


@require_POST
@issuer_required(Action.AWARD)
def bulk_start(request: AuthenticatedHttpRequest, issuer: Issuer, uuid: Any) -> HttpResponse:
    """Confirm a validated job (issue its rows) or resume a paused one."""

    def start(job: BulkJob) -> str:
        resumed = job.status == BulkJobStatus.PAUSED
        job = bulk_job_start(job=job, actor=request.user)
        job.refresh_from_db()
        if job.status == BulkJobStatus.FINISHED:
            # Without a broker the job ran in this request: say what happened, not what will.
            figures = {
                "done": _number(job.done_rows),
                "valid": _number(job.valid_rows),
                "failed": _number(job.failed_rows),
            }
            if job.failed_rows:
                text = ngettext(
                    "Finished: %(done)s of %(valid)s row done, %(failed)s failed.",
                    "Finished: %(done)s of %(valid)s rows done, %(failed)s failed.",
                    job.valid_rows,
                )
            else:
                text = ngettext(
                    "Finished: %(done)s of %(valid)s row done.",
                    "Finished: %(done)s of %(valid)s rows done.",
                    job.valid_rows,
                )
            return text % figures
        if resumed:
            return gettext("Resumed: the remaining rows are being issued.")
        return ngettext(
            "Started: %(count)s credential is being issued and e-mailed.",
            "Started: %(count)s credentials are being issued and e-mailed.",
            job.valid_rows,
        ) % {"count": _number(job.valid_rows)}

    return _act(request, issuer, uuid, start)


@require_POST
@issuer_required(Action.AWARD)
def bulk_pause(request: AuthenticatedHttpRequest, issuer: Issuer, uuid: Any) -> HttpResponse:
    def pause(job: BulkJob) -> str:
        bulk_job_pause(job=job, actor=request.user)
        return gettext("Paused: rows being issued now finish, then nothing more until you resume.")

    return _act(request, issuer, uuid, pause)


@require_POST
@issuer_required(Action.AWARD)
def bulk_cancel(request: AuthenticatedHttpRequest, issuer: Issuer, uuid: Any) -> HttpResponse:
    """Discard a preview, or stop a job for good."""

    def cancel(job: BulkJob) -> str:
        discarded = job.status == BulkJobStatus.VALIDATED
        job = bulk_job_cancel(job=job, actor=request.user)
        if discarded:
            return gettext("Discarded: nothing was issued.")
        return ngettext(
            "Cancelled: %(count)s row was done; the others will not be issued.",
            "Cancelled: %(count)s rows were done; the others will not be issued.",
            job.done_rows,
        ) % {"count": _number(job.done_rows)}

    return _act(request, issuer, uuid, cancel)


@require_POST
@issuer_required(Action.AWARD)
def bulk_undo(request: AuthenticatedHttpRequest, issuer: Issuer, uuid: Any) -> HttpResponse:
    """Revoke everything the job issued, with one reason; the form asks for an explicit acknowledgement."""
    job = _job(issuer, uuid)
    form = BulkUndoForm(request.POST, count=_issued_count(job))
    if not form.is_valid():
        if not bulk_job_progress(job).can_undo:
            messages.error(request, gettext("This job cannot be undone."))
            return _detail(issuer, job)
        return _detail_page(request, issuer, job, undo_form=form, status=400)
    try:
        job = bulk_job_undo(job=job, reason=form.cleaned_data["reason"], actor=request.user)
    except BulkJobError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, gettext("Undo requested: the credentials of this job are being revoked."))
    return _detail(issuer, job)
