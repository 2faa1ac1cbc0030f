# The content types of BulkJob and BulkRow follow the models from `badges` to `bulk`: the rows keep their ids, so
# the permissions and admin log entries that point at them stay attached. On a new database there is nothing to
# move (content types are made after the migrations have run).

from django.db import migrations

MODELS = ("bulkjob", "bulkrow")


def _move(apps, from_label, to_label):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        # If the new one exists already (made after an earlier run), the old one stays: merging the two would have
        # to move their permissions as well.
        if not content_type.objects.filter(app_label=to_label, model=model).exists():
            content_type.objects.filter(app_label=from_label, model=model).update(app_label=to_label)


def forwards(apps, schema_editor):
    _move(apps, "badges", "bulk")


def backwards(apps, schema_editor):
    _move(apps, "bulk", "badges")


class Migration(migrations.Migration):
    dependencies = [
        ("bulk", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
