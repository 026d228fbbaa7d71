from django.urls import path

from . import views

app_name = "consultation"

urlpatterns = [
    path("trainee/hours/", views.my_hours, name="my_hours"),
    path("trainee/hours/export.csv", views.export_csv, name="export_csv"),
    path("trainee/hours/export.pdf", views.export_pdf, name="export_pdf"),
    path("trainee/hours/exports/<int:export_id>/", views.export_download, name="export_download"),
    path("hours/<int:session_id>/", views.session_detail, name="session_detail"),
    path("hours/<int:session_id>/withdraw/", views.session_withdraw, name="session_withdraw"),
    path("trainer/hours/<int:session_id>/confirm/", views.session_confirm, name="session_confirm"),
    path("trainer/hours/<int:session_id>/dispute/", views.session_dispute, name="session_dispute"),
    path("trainer/hours/group/", views.group_session, name="group_session"),
    path("manage/cohorts/<int:cohort_id>/hours.csv", views.cohort_summary_csv, name="cohort_summary_csv"),
]
