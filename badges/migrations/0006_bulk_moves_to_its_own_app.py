# BulkJob and BulkRow now belong to the `bulk` app (bulk/migrations/0001_initial.py takes them over). Only
# Django's idea of the models moves: their tables, badges_bulkjob and badges_bulkrow, stay as they are, rows and
# all, so nothing is dropped or copied and reversing this migration gives them back to `badges` the same way.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("badges", "0005_bulk_progress_undo"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="BulkRow"),
                migrations.DeleteModel(name="BulkJob"),
            ],
            database_operations=[],
        ),
    ]
