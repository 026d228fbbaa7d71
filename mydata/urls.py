from django.urls import path

from . import views

app_name = "mydata"

urlpatterns = [
    path("me/data/", views.index, name="index"),
    path("me/data/<int:record_export_id>/download/", views.download, name="download"),
]
