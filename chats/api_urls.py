from django.urls import path

from chats.api import ChatDetailApi, ChatListCreateApi

urlpatterns = [
    path("chats/", ChatListCreateApi.as_view(), name="api-chat-list"),
    path("chats/<int:pk>/", ChatDetailApi.as_view(), name="api-chat-detail"),
]
