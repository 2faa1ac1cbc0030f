from django.urls import path

from learners import views

app_name = "learners"
urlpatterns = [
    path("me/", views.start, name="start"),
    path("me/sign-in/<str:token>/", views.sign_in, name="sign-in"),
    path("me/sign-out/", views.sign_out, name="sign-out"),
    path("me/credentials/", views.collection, name="collection"),
    path("me/credentials.zip", views.download, name="download"),
    path("me/credentials/<uuid:uuid>/visibility/", views.credential_visibility, name="visibility"),
    path("me/profile/", views.profile_publish, name="publish"),
    path("me/language/", views.language, name="language"),
    path("me/qualifications/<uuid:uuid>/", views.qualification, name="qualification"),
    path("learners/<slug:slug>/", views.profile, name="profile"),
]
