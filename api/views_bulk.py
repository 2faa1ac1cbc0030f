"""Bulk jobs of an issuer: create from a file or JSON rows, follow the progress, list the rows, get the results,
start, pause, cancel, undo. Thin views: bulk.jobs decides what is allowed and writes (D19)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.db.models import QuerySet
from django.http import FileResponse, QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import BaseParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from api.idempotency import idempotent_create
from api.pagination import ApiPagination
from api.serializers import (
    BulkJobFileInputSerializer,
    BulkJobJsonInputSerializer,
    BulkJobSerializer,
    BulkRowSerializer,
    BulkUndoInputSerializer,
    canonical_content,
    job_links,
    rows_as_jsonl,
)
from api.views_issuer import COMMON_ERRORS, IssuerApiView, find_achievement, problems
from badges.models import Achievement
from bulk import parsing
from bulk.jobs import (
    BulkJobError,
    bulk_job_cancel,
    bulk_job_create,
    bulk_job_pause,
    bulk_job_start,
    bulk_job_undo,
)
from bulk.models import BulkJob, BulkJobStatus, BulkRowStatus
from config.problems import Conflict, PayloadTooLarge, Problem, size_text
from issuer.models import AuditEvent
from issuer.permissions import Action

JOB_ACTIONS = ("start", "pause", "cancel")
# The file and the form fields around it; a larger declared body is refused before anything of it is read.
REQUEST_OVERHEAD = 64 * 1024


class BulkApiView(IssuerApiView):
    """Issuer-scoped, resource `bulk`: reads need bulk:read (or the VIEW role), writes bulk:write (or AWARD)."""

    # api_settings has imported the configured parser classes (the stubs type the setting as their dotted paths).
    parser_classes = cast(list[type[BaseParser]], api_settings.DEFAULT_PARSER_CLASSES)
    resource = "bulk"
    write_actions = (Action.AWARD,)

    def job(self, uuid: Any) -> BulkJob:
        """The issuer's job: another issuer's UUID is as unknown as one that does not exist."""
        job = (
            BulkJob.objects.select_related("issuer", "achievement", "created_by")
            .filter(issuer=self.issuer, uuid=uuid)
            .first()
        )
        if job is None:
            raise NotFound("No such bulk job.")
        return job

    def job_data(self, jobs: list[BulkJob]) -> Any:
        # A job created through a token names the token (its audit row's label), not only the token's creator.
        labels = dict(
            AuditEvent.objects.filter(
                issuer=self.issuer,
                action="bulk.created",
                object_type="bulkjob",
                object_id__in=[str(job.pk) for job in jobs],
            )
            .exclude(actor_label="")
            .values_list("object_id", "actor_label")
        )
        context = {"labels": {int(pk): label for pk, label in labels.items()}}
        return BulkJobSerializer(jobs, many=True, context=context).data

    def job_response(self, job: BulkJob, *, status_code: int = status.HTTP_200_OK) -> Response:
        job = BulkJob.objects.select_related("issuer", "achievement", "created_by").get(pk=job.pk)
        return Response(self.job_data([job])[0], status=status_code)


def _status_filter(request: Request, choices: list[str]) -> str | None:
    value = request.query_params.get("status")
    if value is None or value == "":
        return None
    if value not in choices:
        raise ValidationError({"status": [f"Unknown status {value!r}; one of: {', '.join(choices)}."]})
    return value


class BulkJobListCreateApi(BulkApiView):
    parser_classes = [JSONParser, MultiPartParser]
    pagination_class = ApiPagination

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if request.method != "POST" or not declared.isdigit():
            return
        if request.content_type.startswith("application/json"):
            if int(declared) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                raise PayloadTooLarge(_json_too_large())
        elif int(declared) > parsing.MAX_BYTES + REQUEST_OVERHEAD:
            raise PayloadTooLarge(_too_large())

    @extend_schema(
        operation_id="bulk_jobs_list",
        summary="List bulk jobs",
        parameters=[
            OpenApiParameter("status", str, enum=list(BulkJobStatus.values), description="Only jobs in this status.")
        ],
        responses={200: BulkJobSerializer(many=True), **problems(400, *COMMON_ERRORS)},
    )
    def get(self, request: Request, slug: str) -> Response:
        queryset: QuerySet[BulkJob] = BulkJob.objects.filter(issuer=self.issuer).select_related(
            "issuer", "achievement", "created_by"
        )
        wanted = _status_filter(request, list(BulkJobStatus.values))
        if wanted:
            queryset = queryset.filter(status=wanted)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset.order_by("-created_at", "-id"), request, view=self)
        return paginator.get_paginated_response(self.job_data(list(page or [])))  # a page always: limit is never None

    @extend_schema(
        operation_id="bulk_jobs_create",
        summary="Create a bulk job from a file or JSON rows",
        description=(
            "multipart/form-data with `file` (CSV or JSON lines), or JSON with `rows`. The rows are checked and "
            "stored; invalid ones are listed under `rows?status=invalid`. Nothing is issued until the job is "
            "started (`start: true` here, or POST .../start). Send an `Idempotency-Key` header to retry safely."
        ),
        parameters=[
            OpenApiParameter(
                "Idempotency-Key", str, OpenApiParameter.HEADER, description="1 to 255 printable ASCII characters."
            )
        ],
        request={
            "application/json": BulkJobJsonInputSerializer,
            "multipart/form-data": BulkJobFileInputSerializer,
        },
        responses={201: BulkJobSerializer, **problems(400, 409, 413, 415, 422, *COMMON_ERRORS)},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = request.data
        form: serializers.Serializer
        if isinstance(data, QueryDict):  # multipart
            form = BulkJobFileInputSerializer(data=_form_fields(request))
            upload = request.FILES.get("file")
            if upload is not None and upload.size > parsing.MAX_BYTES:
                raise PayloadTooLarge(_too_large())
            form.is_valid(raise_exception=True)
            upload = form.validated_data["file"]
            content, filename = upload.read(parsing.MAX_BYTES + 1), upload.name or "upload.csv"
        else:
            form = BulkJobJsonInputSerializer(data=data)
            form.is_valid(raise_exception=True)
            content, filename = rows_as_jsonl(form.validated_data["rows"]), "rows.jsonl"
            if len(content) > parsing.MAX_BYTES:  # only if DATA_UPLOAD_MAX_MEMORY_SIZE is raised past it
                raise PayloadTooLarge(_too_large())
        ref = form.validated_data.get("achievement")
        start = form.validated_data["start"]
        achievement = self._achievement(ref) if ref else None
        fingerprint = canonical_content(achievement=ref, start=start, data=content, filename=filename)

        def create() -> Response:
            try:
                job, preview = bulk_job_create(
                    issuer=self.issuer, data=content, filename=filename, achievement=achievement, actor=self.actor()
                )
            except parsing.BulkFileError as exc:
                raise Problem(str(exc), slug="invalid-file", title="The file cannot be used") from exc
            if start and preview.valid:
                job = bulk_job_start(job=job, actor=self.actor())
            response = self.job_response(job, status_code=status.HTTP_201_CREATED)
            response["Location"] = job_links(job)["self"]
            return response

        return idempotent_create(request, fingerprint, create)

    def _achievement(self, ref: str) -> Achievement:
        found = find_achievement(self.issuer, ref)  # not selectors': it reads a ref like '²' as a number
        if found is None:
            raise ValidationError({"achievement": [f"This issuer has no achievement {ref!r} (id, UUID or slug)."]})
        if found.archived:
            raise ValidationError({"achievement": [f"The achievement {found.slug!r} is archived."]})
        return found


def _form_fields(request: Request) -> dict[str, Any]:
    """The multipart fields as single values (a repeated field keeps its last value, as Django does)."""
    fields: dict[str, Any] = {key: request.data.get(key) for key in request.data.keys()}
    fields.update({key: request.FILES.get(key) for key in request.FILES.keys()})
    return fields


def _json_too_large() -> str:
    # JSON bodies are read into memory whole (DATA_UPLOAD_MAX_MEMORY_SIZE); files are streamed to disk.
    limit = size_text(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return f"A JSON body is limited to {limit}; send larger sets of rows as a file (multipart/form-data)."


def _too_large() -> str:
    return f"The file is larger than {parsing.MAX_BYTES // (1024 * 1024)} MB; split it into smaller files."


class BulkJobDetailApi(BulkApiView):
    @extend_schema(
        operation_id="bulk_jobs_retrieve",
        summary="A bulk job and its progress",
        responses={200: BulkJobSerializer, **problems(*COMMON_ERRORS)},
    )
    def get(self, request: Request, slug: str, uuid: Any) -> Response:
        return self.job_response(self.job(uuid))


class BulkJobRowsApi(BulkApiView):
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="bulk_jobs_rows",
        summary="The rows of a bulk job, in file order",
        parameters=[OpenApiParameter("status", str, enum=list(BulkRowStatus.values), description="Only these rows.")],
        responses={200: BulkRowSerializer(many=True), **problems(400, *COMMON_ERRORS)},
    )
    def get(self, request: Request, slug: str, uuid: Any) -> Response:
        job = self.job(uuid)
        rows = job.rows.select_related("credential").only(
            "line", "status", "email", "error", "credential_id", "credential__uuid"
        )
        wanted = _status_filter(request, list(BulkRowStatus.values))
        if wanted:
            rows = rows.filter(status=wanted)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows.order_by("line", "pk"), request, view=self)
        return paginator.get_paginated_response(BulkRowSerializer(page, many=True).data)


class BulkJobResultsApi(BulkApiView):
    @extend_schema(
        operation_id="bulk_jobs_results",
        summary="The result CSV: line, status, credential, error for every row of the file",
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The result CSV."),
            **problems(*COMMON_ERRORS),
        },
    )
    def get(self, request: Request, slug: str, uuid: Any) -> FileResponse:
        job = self.job(uuid)
        if not job.result_file or not job.result_file.storage.exists(job.result_file.name):
            raise Problem(
                "The results of this job are not ready: they are written when it finishes or is cancelled.",
                slug="results-not-ready",
                title="Not ready",
                status_code=status.HTTP_404_NOT_FOUND,
            )
        return FileResponse(
            job.result_file.open("rb"),
            as_attachment=True,
            filename=f"bulk-{job.uuid}-results.csv",
            content_type="text/csv; charset=utf-8",
        )

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The success is a CSV whatever the Accept header says (an `Accept: text/csv` is not refused with 406);
        # errors are JSON problems.
        return super().perform_content_negotiation(request, force=True)


_JOB_CHANGES: dict[str, Callable[..., BulkJob]] = {
    "start": bulk_job_start,
    "pause": bulk_job_pause,
    "cancel": bulk_job_cancel,
}


class BulkJobActionApi(BulkApiView):
    """start (confirm, or resume a paused job), pause, cancel; a refusal is 409 with the reason."""

    action_name = ""

    def post(self, request: Request, slug: str, uuid: Any) -> Response:
        job = self.job(uuid)
        try:
            job = _JOB_CHANGES[self.action_name](job=job, actor=self.actor())
        except BulkJobError as exc:
            raise Conflict(exc.message) from exc
        return self.job_response(job)


def _action_view(name: str, summary: str) -> type[BulkJobActionApi]:
    def post(self: BulkJobActionApi, request: Request, slug: str, uuid: Any) -> Response:
        return BulkJobActionApi.post(self, request, slug, uuid)

    decorated = extend_schema(
        operation_id=f"bulk_jobs_{name}",
        summary=summary,
        request=None,
        responses={200: BulkJobSerializer, **problems(409, *COMMON_ERRORS)},
    )(post)
    return type(f"BulkJob{name.title()}Api", (BulkJobActionApi,), {"action_name": name, "post": decorated})


BulkJobStartApi = _action_view("start", "Start a validated job, or resume a paused one")
BulkJobPauseApi = _action_view("pause", "Pause a running job after the chunks in progress")
BulkJobCancelApi = _action_view("cancel", "Cancel a job for good (a validated one is discarded)")


class BulkJobUndoApi(BulkApiView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="bulk_jobs_undo",
        summary="Revoke every credential the job issued",
        request=BulkUndoInputSerializer,
        responses={200: BulkJobSerializer, **problems(400, 409, 415, 422, *COMMON_ERRORS)},
    )
    def post(self, request: Request, slug: str, uuid: Any) -> Response:
        job = self.job(uuid)
        data = request.data
        if not isinstance(data, dict):
            raise ValidationError({"non_field_errors": ['Expected a JSON object like {"reason": "..."}.']})
        form = BulkUndoInputSerializer(data=data)
        if not form.is_valid():
            raise Problem(
                "; ".join(f"{k}: {' '.join(str(m) for m in v)}" for k, v in form.errors.items()),
                title="The request has invalid fields",
                status_code=status.HTTP_422_UNPROCESSABLE_ENTITY,
                errors={k: [str(m) for m in v] for k, v in form.errors.items()},
            )
        try:
            job = bulk_job_undo(job=job, reason=form.validated_data["reason"], actor=self.actor())
        except BulkJobError as exc:
            raise Conflict(exc.message) from exc
        return self.job_response(job)


class NotFoundApi(APIView):
    """Any other path under /api/v1/: the problem body instead of the site's HTML page."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    throttle_classes: list[Any] = []

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        raise NotFound("No such endpoint.")
