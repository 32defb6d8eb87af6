from django.urls import path

from . import views

app_name = "public"
urlpatterns = [
    path("", views.guide, name="guide"),
    path("apply/", views.apply, name="apply"),
    path("status/", views.status, name="status"),
    path("status/correct/", views.correct, name="correct"),
    path("status/letter/<int:document_id>/", views.letter, name="letter"),
    path("verify/", views.verify, name="verify"),
]
