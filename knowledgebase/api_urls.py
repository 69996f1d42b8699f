from django.urls import path

from knowledgebase.api import (
    ArticleDetailApi,
    ArticleListCreateApi,
    EmergingTopicsApi,
    KbSearchApi,
    TrendListApi,
)
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
    path("trends/", TrendListApi.as_view(), name="api-trend-list"),
    path("trends/emerging/", EmergingTopicsApi.as_view(), name="api-trend-emerging"),
]
