from django.urls import path

from . import views

app_name = "competencies"

urlpatterns = [
    path("trainee/outcomes/", views.my_outcomes, name="my_outcomes"),
    path("trainee/outcomes/<int:enrolment_id>/<str:code>/", views.my_outcome, name="my_outcome"),
    path("trainer/trainees/<int:enrolment_id>/", views.trainer_trainee, name="trainer_trainee"),
    path("trainer/queue/", views.trainer_queue, name="trainer_queue"),
    path(
        "trainer/records/<int:enrolment_id>/<str:code>/decide/",
        views.trainer_decide,
        name="trainer_decide",
    ),
    path("manage/records/<int:enrolment_id>/", views.admin_record, name="admin_record"),
    path(
        "manage/records/<int:enrolment_id>/version/",
        views.admin_move_version,
        name="admin_move_version",
    ),
    path("trainee/evidence/<int:evidence_id>/edit/", views.evidence_edit, name="evidence_edit"),
    path("trainee/evidence/<int:evidence_id>/remove/", views.evidence_remove, name="evidence_remove"),
    path("trainee/requests/<int:request_id>/withdraw/", views.request_withdraw, name="request_withdraw"),
    path("evidence/<int:evidence_id>/file/", views.evidence_file, name="evidence_file"),
]
