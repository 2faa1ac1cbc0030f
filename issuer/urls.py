from django.urls import path

from issuer import views

app_name = "issuer"
urlpatterns = [
    path("issuers/<slug:slug>/did.json", views.did_json, name="did-json"),
]
