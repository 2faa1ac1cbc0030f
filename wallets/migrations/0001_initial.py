import uuid

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("badges", "0007_statuslist_taken"),
        ("issuer", "0005_audit_issuer_object"),
    ]

    operations = [
        migrations.CreateModel(
            name="WalletNonce",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("nonce_hash", models.CharField(max_length=64, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("expires_at", models.DateTimeField()),
                ("used_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "indexes": [models.Index(fields=["expires_at"], name="wallet_nonce_expires")],
            },
        ),
        migrations.CreateModel(
            name="WalletOffer",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("protocol", models.CharField(choices=[("oid4vci", "OpenID4VCI")], default="oid4vci", max_length=20)),
                ("code_hash", models.CharField(max_length=64, unique=True)),
                ("tx_code_required", models.BooleanField(default=False)),
                ("tx_code_hash", models.CharField(blank=True, max_length=64)),
                ("tx_code_failures", models.PositiveSmallIntegerField(default=0)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("expires_at", models.DateTimeField()),
                (
                    "used_at",
                    models.DateTimeField(blank=True, help_text="When the code was exchanged for a token.", null=True),
                ),
                ("issued_at", models.DateTimeField(blank=True, null=True)),
                (
                    "issued_format",
                    models.CharField(
                        blank=True,
                        choices=[("ldp_vc", "Data Integrity (ldp_vc)"), ("jwt_vc_json", "VC-JWT (jwt_vc_json)")],
                        max_length=20,
                    ),
                ),
                (
                    "holder_did",
                    models.TextField(blank=True, help_text="The DID the last credential handed out was bound to."),
                ),
                (
                    "credential",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="badges.credential"
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="WalletAccessToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token_hash", models.CharField(max_length=64, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("expires_at", models.DateTimeField()),
                (
                    "offer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="access_tokens",
                        to="wallets.walletoffer",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="WalletTakeUp",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("protocol", models.CharField(choices=[("oid4vci", "OpenID4VCI")], max_length=20)),
                (
                    "format",
                    models.CharField(
                        choices=[("ldp_vc", "Data Integrity (ldp_vc)"), ("jwt_vc_json", "VC-JWT (jwt_vc_json)")],
                        max_length=20,
                    ),
                ),
                (
                    "binding",
                    models.CharField(
                        choices=[("did:key", "did:key"), ("did:jwk", "did:jwk"), ("jwk", "JWK")], max_length=10
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "credential",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="badges.credential"
                    ),
                ),
                (
                    "issuer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="issuer.issuer"
                    ),
                ),
                (
                    "offer",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="wallets.walletoffer",
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="walletoffer",
            index=models.Index(fields=["expires_at"], name="wallet_offer_expires"),
        ),
        migrations.AddConstraint(
            model_name="walletoffer",
            constraint=models.CheckConstraint(
                condition=models.Q(("expires_at__gt", models.F("created_at"))),
                name="wallet_offer_expiry_after_creation",
            ),
        ),
        migrations.AddIndex(
            model_name="walletaccesstoken",
            index=models.Index(fields=["expires_at"], name="wallet_token_expires"),
        ),
        migrations.AddIndex(
            model_name="wallettakeup",
            index=models.Index(fields=["issuer", "created_at"], name="wallet_takeup_issuer"),
        ),
    ]
