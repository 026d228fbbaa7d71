from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    path("manage/jobs/", views.job_list, name="list"),
    path("manage/jobs/<int:job_id>/retry/", views.job_retry, name="retry"),
]
