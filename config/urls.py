from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.media import public_image
from config.views import csp_report, health, home, problem_type, root_icon, set_language, site_manifest

urlpatterns = [
    path("", home, name="home"),
    path("healthz", health, name="health"),
    # Asked for at the root by browsers and phones, whatever a page links (config.views.ROOT_ICONS).
    path("favicon.ico", root_icon, {"name": "favicon.ico"}, name="favicon"),
    path("apple-touch-icon.png", root_icon, {"name": "apple-touch-icon.png"}, name="apple-touch-icon"),
    path("site.webmanifest", site_manifest, name="site-manifest"),
    # Published images, whatever the deployment (config.media): their URLs are signed into credentials.
    path("media/<path:name>", public_image, name="media-image"),
    # Browsers' Content-Security-Policy violation reports (config.csp.REPORT_PATH).
    path("csp-report", csp_report, name="csp-report"),
    path("errors/", problem_type, name="problem-types"),
    path("errors/<slug:slug>", problem_type, name="problem-type"),
    # The language switcher's target (D51): Django's set_language, without a CSRF token (see config.views).
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("", include("issuer.urls")),
    path("", include("badges.urls")),
    path("", include("bulk.urls")),
    path("", include("learners.urls")),
    path("", include("stacking.urls_public")),
    path("", include("stacking.urls")),
    path("", include("webhooks.urls")),
    path("", include("backpack.urls")),
    path("", include("wallets.urls")),
    path("", include("analytics.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI's start-up script as a file of its own (?script), not inline: the Content-Security-Policy runs
    # scripts from files only. The template moves the page's inline style to a static file.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    path("api/v1/", include("api.urls")),
    path("api/vc/", include("api.urls_vcapi")),
    path("ims/ob/v3p0/", include("ob_api.urls")),
    path("", include("api.urls_ui")),
]

# Errors in the route's shape: problem+json under /api/, Imsx_StatusInfo under /ims/, the site's pages elsewhere; a
# database that cannot answer is a 503 (config.unavailable).
handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
