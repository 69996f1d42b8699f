from django.urls import URLPattern, URLResolver, path

from integrations import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("chats/export.csv", views.chat_list_csv, name="chat-list-csv"),
    path(
        "chats/<int:pk>/send-transcript/",
        views.chat_transcript_send_view,
        name="chat-send-transcript",
    ),
]
