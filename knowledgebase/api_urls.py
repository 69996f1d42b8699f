from django.urls import path

from knowledgebase.api import (
    ArticleDetailApi,
    ArticleListCreateApi,
    EmergingTopicsApi,
    KbSearchApi,
    TrendListApi,
)
from knowledgebase.topics_api import TopicDetailApi, TopicListApi
from knowledgebase.usage_api import ArticleFeedbackApi, KbUsageApi

urlpatterns = [
    path("kb/search/", KbSearchApi.as_view(), name="api-kb-search"),
    path("kb/articles/", ArticleListCreateApi.as_view(), name="api-kb-article-list"),
    path("kb/articles/<int:pk>/", ArticleDetailApi.as_view(), name="api-kb-article-detail"),
    path(
        "kb/articles/<int:pk>/feedback/",
        ArticleFeedbackApi.as_view(),
        name="api-kb-article-feedback",
    ),
    path("kb/usage/", KbUsageApi.as_view(), name="api-kb-usage"),
    path("kb/topics/", TopicListApi.as_view(), name="api-kb-topic-list"),
    path("kb/topics/<int:pk>/", TopicDetailApi.as_view(), name="api-kb-topic-detail"),
    path("trends/", TrendListApi.as_view(), name="api-trend-list"),
    path("trends/emerging/", EmergingTopicsApi.as_view(), name="api-trend-emerging"),
]
