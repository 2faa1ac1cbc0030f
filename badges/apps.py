from django.apps import AppConfig


class BadgesConfig(AppConfig):
    """Achievements and the credential lifecycle: build, sign, store, publish status."""

    name = "badges"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # issuer's pages show what badges stores through issuer.extensions; issuer never imports badges.
        from badges.selectors import AUDIT_SUBJECTS, credential_figures, credentials_signed_with
        from issuer.extensions import (
            DashboardPanel,
            register_audit_subjects,
            register_dashboard_panel,
            register_signature_counter,
        )

        register_dashboard_panel(
            DashboardPanel(template="badges/dashboard_credentials.html", figures=credential_figures)
        )
        register_signature_counter(credentials_signed_with)
        for subjects in AUDIT_SUBJECTS:
            register_audit_subjects(subjects)

        from badges import follow_ups
        from badges.tasks import AWARD_FOLLOW_UPS

        follow_ups.register(AWARD_FOLLOW_UPS)
