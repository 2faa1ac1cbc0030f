"""Media storage in an S3-compatible bucket (AWS S3, MinIO, …), chosen by MEDIA_S3_BUCKET (docs/operations.md)."""

from __future__ import annotations

from urllib.parse import urljoin

from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage


class S3MediaStorage(S3Storage):
    """The bucket stays private; files are reached through the platform's own URLs.

    A published image's URL is `SITE_URL/media/<name>` whichever storage holds it, and the media view
    (config.media) streams it from the bucket. A URL signed into a credential so never names the bucket, never
    expires like a presigned URL would, and survives a move between disk and bucket.
    """

    def url(self, name: str, parameters: object = None, expire: object = None, http_method: object = None) -> str:
        return urljoin(settings.MEDIA_URL, filepath_to_uri(name))
