from django.urls import path

from badges import views
from badges.urls_achievements import urlpatterns as achievement_patterns
from badges.urls_awards import urlpatterns as award_patterns

app_name = "badges"
urlpatterns = [
    path("credentials/<uuid:uuid>", views.credential_document, name="credential"),
    path("issuers/<slug:slug>/status/<str:purpose>/<int:sequence>", views.status_list, name="status-list"),
    *achievement_patterns,
    *award_patterns,
]
