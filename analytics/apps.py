from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Counts what happens to an issuer's credentials, per achievement and day, without personal data."""

    name = "analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # badges tells of views, verifications and shares through badges.activity, and the issuer dashboard takes
        # this app's section through issuer.extensions: neither imports analytics.
        from analytics.selectors import analytics_figures
        from analytics.services import count_activity
        from badges import activity
        from issuer.extensions import DashboardPanel, register_dashboard_panel

        activity.subscribe(count_activity)
        register_dashboard_panel(DashboardPanel(template="analytics/dashboard_panel.html", figures=analytics_figures))
