from django.urls import path

from chats import views

urlpatterns = [
    path("chats/", views.chat_list, name="chat-list"),
    path("chats/<int:pk>/", views.chat_detail, name="chat-detail"),
]
