from django.urls import path

from badges import views

app_name = "badges"
urlpatterns = [
    path("credentials/<uuid:uuid>", views.credential_document, name="credential"),
    path("issuers/<slug:slug>/status/<str:purpose>/<int:sequence>", views.status_list, name="status-list"),
]
