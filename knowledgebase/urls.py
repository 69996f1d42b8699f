from django.urls import path

from knowledgebase import topics_views, usage_views, views

urlpatterns = [
    path("kb/", views.kb_search_page, name="kb-search"),
    path("kb/articles/", views.article_list, name="kb-article-list"),
    path("kb/articles/new/", views.article_create_page, name="kb-article-create"),
    path("kb/articles/<int:pk>/", views.article_detail, name="kb-article-detail"),
    path(
        "kb/articles/<int:pk>/feedback/",
        usage_views.article_feedback_page,
        name="kb-article-feedback",
    ),
    path("kb/usage/", usage_views.kb_usage_page, name="kb-usage"),
    path("kb/articles/<int:pk>/edit/", views.article_edit_page, name="kb-article-edit"),
    path("kb/chats/<int:pk>/tags/", views.chat_tags, name="kb-chat-tags"),
    path("kb/taxonomy/", views.taxonomy_page, name="kb-taxonomy"),
    path("kb/trends/", views.trends_page, name="kb-trends"),
    path("kb/topics/", topics_views.topics_page, name="kb-topics"),
    path("kb/topics/<int:pk>/rename/", topics_views.topic_rename_page, name="kb-topic-rename"),
    path("kb/agents/", views.agents_page, name="kb-agents"),
]
