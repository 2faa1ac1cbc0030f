from django.urls import path

from badges import views, views_public
from badges.urls_achievements import urlpatterns as achievement_patterns
from badges.urls_awards import urlpatterns as award_patterns
from badges.urls_endorsements import urlpatterns as endorsement_patterns
from badges.urls_verify import urlpatterns as verify_patterns

app_name = "badges"
urlpatterns = [
    path("credentials/<uuid:uuid>", views.credential_document, name="credential"),
    path("credentials/<uuid:uuid>/share/<slug:target>", views.credential_share, name="credential-share"),
    path("issuers/<slug:slug>/status/<str:purpose>/<int:sequence>", views.status_list, name="status-list"),
    path("issuers/<slug:slug>/", views_public.issuer_public, name="issuer-public"),
    path("achievements/<uuid:uuid>", views_public.achievement_public, name="achievement-public"),
    *achievement_patterns,
    *award_patterns,
    *endorsement_patterns,
    *verify_patterns,
]
