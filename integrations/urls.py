from django.urls import URLPattern, URLResolver, path

from integrations import reports_views, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("chats/export.csv", views.chat_list_csv, name="chat-list-csv"),
    path(
        "chats/<int:pk>/send-transcript/",
        views.chat_transcript_send_view,
        name="chat-send-transcript",
    ),
    path("reports/", reports_views.report_list, name="report-list"),
    path("reports/<slug:key>/", reports_views.report_detail, name="report-detail"),
]
