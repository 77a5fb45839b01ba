from django.urls import path

from vinculo.timeline import interaction_views, views

app_name = "timeline"
urlpatterns = [
    path("customers/<int:customer_id>/timeline/", views.timeline_entries, name="entries"),
    path("customers/<int:customer_id>/log/", views.log_interaction, name="log"),
    path(
        "interactions/<int:pk>/edit/", interaction_views.interaction_edit, name="interaction_edit"
    ),
    path(
        "interactions/<int:pk>/delete/",
        interaction_views.interaction_delete,
        name="interaction_delete",
    ),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("tasks/", views.my_tasks, name="my_tasks"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
]
