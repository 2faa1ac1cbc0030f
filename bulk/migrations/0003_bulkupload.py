# Files uploaded on the issuer pages are kept (BulkUpload) so that the upload form and the preview need not ask for
# them again; a job remembers the file it was checked from while that is kept. Reversible: both go away.

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("bulk", "0002_content_types"),
        ("issuer", "0003_issuer_embed_images"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="BulkUpload",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("name", models.CharField(blank=True, max_length=255)),
                ("file", models.FileField(upload_to="bulk/uploads/")),
                (
                    "rows",
                    models.PositiveIntegerField(
                        default=0, help_text="Rows read from the file, its header not counted."
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "issuer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="issuer.issuer"
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.AddField(
            model_name="bulkjob",
            name="upload",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="jobs",
                to="bulk.bulkupload",
            ),
        ),
    ]
