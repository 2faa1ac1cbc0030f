# The slots already handed out, from the credentials that hold them: afterwards, allocation reads this bitmap
# instead of asking the credential table about each candidate slot.

from django.db import migrations, models

LIST_BYTES = 131072 // 8


def fill_taken(apps, schema_editor):
    StatusList = apps.get_model("badges", "StatusList")
    Credential = apps.get_model("badges", "Credential")
    for status_list in StatusList.objects.filter(purpose="revocation").only("pk", "issuer_id", "sequence"):
        taken = bytearray(LIST_BYTES)
        indexes = Credential.objects.filter(
            issuer_id=status_list.issuer_id, status_sequence=status_list.sequence
        ).values_list("status_index", flat=True)
        for index in indexes.iterator(chunk_size=10_000):
            taken[index // 8] |= 0x80 >> (index % 8)
        StatusList.objects.filter(pk=status_list.pk).update(taken=bytes(taken))


class Migration(migrations.Migration):
    dependencies = [
        ("badges", "0006_bulk_moves_to_its_own_app"),
    ]

    operations = [
        migrations.AddField(
            model_name="statuslist",
            name="taken",
            field=models.BinaryField(default=b"", editable=False),
        ),
        migrations.RunPython(fill_taken, migrations.RunPython.noop),
    ]
