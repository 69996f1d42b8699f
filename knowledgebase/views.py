"""Knowledge-base pages. Every role reads; support staff and records managers write (articles,
tags, taxonomy); compliance auditors only read."""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from chats.models import Chat
from core.exceptions import ApplicationError
from core.http import acting_user
from core.roles import Role, user_has_role
from core.views import role_required
from knowledgebase.api import SEARCH_MAX_PAGE, search_filters_from
from knowledgebase.charts import bar_chart, line_chart
from knowledgebase.forms import ArticleForm, TagForm, TaxonomyTermForm
from knowledgebase.models import (
    Article,
    ArticleFeedback,
    ArticleStatus,
    Category,
    SearchChannel,
    TaxonomyTerm,
    Topic,
    TrendRollup,
)
from knowledgebase.selectors.agents import agents_performance
from knowledgebase.selectors.articles import (
    article_sources_status,
    article_suggestion_from_chat,
    article_with_sources,
    articles_list,
)
from knowledgebase.selectors.emerging import trends_emerging_issues_daily
from knowledgebase.selectors.search import kb_search
from knowledgebase.selectors.topics import topics_with_recent_counts
from knowledgebase.selectors.trends import (
    trends_emerging_topics,
    trends_rollups,
    trends_series,
    week_of,
)
from knowledgebase.services.articles import article_create, article_update
from knowledgebase.services.tags import chat_tag_add, chat_tag_remove
from knowledgebase.services.taxonomy import taxonomy_term_delete, taxonomy_term_set
from knowledgebase.services.usage import article_view_log, kb_search_log

ALL_ROLES = tuple(Role)
WRITERS = (Role.SUPPORT_STAFF, Role.RECORDS_MANAGER)
SEARCH_PAGE_SIZE = 20
QUESTION_MAX_CHARS = 500  # Article.question's max_length
DEFAULT_TREND_WEEKS = 12
MAX_TREND_WEEKS = 104


def may_write(request: HttpRequest) -> bool:
    return user_has_role(request.user, *WRITERS)


@role_required(*ALL_ROLES)
def kb_search_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").replace("\x00", "")  # search_filters_from reports it
    try:
        filters = search_filters_from(request.GET)
        page_number = max(1, int(request.GET.get("page", "1") or 1))
        if page_number > SEARCH_MAX_PAGE:
            raise ApplicationError(f"page must be at most {SEARCH_MAX_PAGE}")
        error = ""
    except (ApplicationError, ValueError) as problem:
        filters, page_number, error = search_filters_from({}), 1, str(problem)
    result = kb_search(
        query=query,
        filters=filters,
        limit=SEARCH_PAGE_SIZE,
        offset=(page_number - 1) * SEARCH_PAGE_SIZE,
    )
    if page_number == 1 and not error:
        kb_search_log(
            user=acting_user(request),
            query=query,
            results=result.count,
            channel=SearchChannel.PAGE,
        )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "knowledgebase/search.html",
        {
            "query": query,
            "filters": filters,
            "result": result,
            "error": error,
            "categories": Category.objects.order_by("name"),
            "topics": Topic.objects.order_by("name"),
            "page_number": page_number,
            "has_next": page_number * SEARCH_PAGE_SIZE < result.count,
            "params": params.urlencode(),
            "searched": bool(query.strip()) or not filters.is_empty(),
            "may_write": may_write(request),
        },
    )


@role_required(*ALL_ROLES)
def article_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    articles = articles_list(
        status=status if status in ArticleStatus.values else "",
        category=request.GET.get("category", ""),
        query=request.GET.get("q", ""),
    )
    page = Paginator(articles, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "knowledgebase/article_list.html",
        {
            "page": page,
            "status": status,
            "may_write": may_write(request),
            "categories": Category.objects.order_by("name"),
            "statuses": ArticleStatus.choices,
        },
    )


@role_required(*ALL_ROLES)
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(article_with_sources(Article.objects.all()), pk=pk)
    user = acting_user(request)
    article_view_log(article=article, user=user)
    return render(
        request,
        "knowledgebase/article_detail.html",
        {
            "article": article,
            "sources": article_sources_status(article),
            "may_write": may_write(request),
            "my_feedback": ArticleFeedback.objects.filter(article=article, user=user).first(),
        },
    )


def _article_form_initial(request: HttpRequest) -> tuple[dict[str, Any], Chat | None]:
    chat_id = request.GET.get("chat")
    if not chat_id or not chat_id.isdigit():
        # From the usage page's content gaps: a question nobody found an answer to.
        question = request.GET.get("question", "").strip()[:QUESTION_MAX_CHARS]
        return ({"question": question} if question else {}), None
    chat = get_object_or_404(Chat, pk=int(chat_id))
    suggestion = article_suggestion_from_chat(chat=chat)
    return {
        "question": suggestion["question"],
        "solution": suggestion["solution"],
        "keywords": ", ".join(suggestion["keywords"]),
        "category": suggestion["category"],
        "source_chat": chat.pk,
    }, chat


@role_required(*ALL_ROLES, write_roles=WRITERS)
def article_create_page(request: HttpRequest) -> HttpResponse:
    if not may_write(request):
        return render(request, "403.html", status=403)
    source_chat = None
    if request.method == "POST":
        form = ArticleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            if data["source_chat"]:
                source_chat = get_object_or_404(Chat, pk=data["source_chat"])
            article = article_create(
                question=data["question"],
                solution=data["solution"],
                user=acting_user(request),
                category=data["category"],
                keywords=data["keywords"],
                status=data["status"],
                source_chats=[source_chat] if source_chat else [],
            )
            messages.success(request, "Article saved.")
            return redirect("kb-article-detail", pk=article.pk)
    else:
        try:
            initial, source_chat = _article_form_initial(request)
        except ApplicationError as error:
            messages.error(request, error.message)
            initial = {}
        form = ArticleForm(initial=initial)
    return render(
        request,
        "knowledgebase/article_form.html",
        {"form": form, "article": None, "source_chat": source_chat},
    )


@role_required(*ALL_ROLES, write_roles=WRITERS)
def article_edit_page(request: HttpRequest, pk: int) -> HttpResponse:
    if not may_write(request):
        return render(request, "403.html", status=403)
    article = get_object_or_404(Article, pk=pk)
    if request.method == "POST":
        form = ArticleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            article_update(
                article=article,
                user=acting_user(request),
                question=data["question"],
                solution=data["solution"],
                category=data["category"],
                keywords=data["keywords"],
                status=data["status"],
            )
            messages.success(request, "Article saved.")
            return redirect("kb-article-detail", pk=article.pk)
    else:
        form = ArticleForm(
            initial={
                "question": article.question,
                "solution": article.solution,
                "category": article.category_id,
                "keywords": ", ".join(article.keywords),
                "status": article.status,
            }
        )
    return render(
        request,
        "knowledgebase/article_form.html",
        {"form": form, "article": article, "source_chat": None},
    )


@role_required(write_roles=WRITERS)
def chat_tags(request: HttpRequest, pk: int) -> HttpResponse:
    chat = get_object_or_404(Chat, pk=pk)
    form = TagForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["action"] == "remove":
                chat_tag_remove(chat=chat, tag=form.cleaned_data["tag"])
            else:
                chat_tag_add(chat=chat, tag=form.cleaned_data["tag"], user=acting_user(request))
        except ApplicationError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, "Give a tag of 1 to 64 characters.")
    return redirect("chat-detail", pk=chat.pk)


@role_required(*ALL_ROLES, write_roles=WRITERS)
def taxonomy_page(request: HttpRequest) -> HttpResponse:
    form = TaxonomyTermForm()
    if request.method == "POST":
        if request.POST.get("delete"):
            term = get_object_or_404(TaxonomyTerm, pk=request.POST["delete"])
            taxonomy_term_delete(term=term)
            messages.success(request, f"Removed “{term.term}”.")
            return redirect("kb-taxonomy")
        form = TaxonomyTermForm(request.POST)
        if form.is_valid():
            try:
                item = taxonomy_term_set(
                    term=form.cleaned_data["term"], category=form.cleaned_data["category"]
                )
            except ApplicationError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    f"“{item.term}” → {item.category.name}. Chats are re-categorised "
                    "by the next extract_keywords run.",
                )
                return redirect("kb-taxonomy")
    categories = Category.objects.prefetch_related("terms").order_by("name")
    return render(
        request,
        "knowledgebase/taxonomy.html",
        {
            "categories": categories,
            "form": form,
            "may_write": may_write(request),
            "topics": Topic.objects.all(),
        },
    )


def _as_of(request: HttpRequest) -> datetime:
    """The week to show: ?as_of=YYYY-MM-DD, else the data's last week when the data ends
    before the current week, else now."""
    raw = request.GET.get("as_of", "")
    try:
        if raw:
            return timezone.make_aware(datetime.combine(date.fromisoformat(raw), time(12)))
    except ValueError:
        pass
    now = timezone.now()
    latest = (
        TrendRollup.objects.order_by("-week_start").values_list("week_start", flat=True).first()
    )
    if latest is not None and latest < week_of(now):  # the data ends before this week
        return timezone.make_aware(datetime.combine(latest, time(12)))
    return now


def _weeks_param(request: HttpRequest) -> int:
    raw = request.GET.get("weeks", "")
    return min(MAX_TREND_WEEKS, max(2, int(raw))) if raw.isdigit() else DEFAULT_TREND_WEEKS


@role_required(*ALL_ROLES)
def trends_page(request: HttpRequest) -> HttpResponse:
    as_of = _as_of(request)
    count = _weeks_param(request)
    current = week_of(as_of)
    weeks = [current - timedelta(weeks=offset) for offset in range(count - 1, -1, -1)]
    charts = []
    for dimension, label in (("category", "category"), ("country", "country")):
        counts = trends_series(dimension=dimension, weeks=weeks)
        satisfaction = trends_series(dimension=dimension, weeks=weeks, measure="satisfaction_avg")
        charts.append(
            {
                "title": f"Chats per week by {label}",
                "svg": line_chart(
                    title=f"Chats per week by {label}",
                    weeks=weeks,
                    series=[(s.name, [p[1] for p in s.points]) for s in counts],
                    integer=True,
                ),
            }
        )
        charts.append(
            {
                "title": f"Average satisfaction (0–100) by {label}",
                "svg": line_chart(
                    title=f"Average satisfaction by {label}",
                    weeks=weeks,
                    y_max=100,
                    series=[(s.name, [p[1] for p in s.points]) for s in satisfaction],
                ),
            }
        )
    table = list(
        trends_rollups(dimension="category", week_from=weeks[0], week_to=weeks[-1]).order_by(
            "-week_start", "-chat_count", "value"
        )
    )
    return render(
        request,
        "knowledgebase/trends.html",
        {
            "charts": charts,
            "emerging": trends_emerging_topics(now=as_of),
            "emerging_daily": trends_emerging_issues_daily(as_of=as_of.date()),
            "topics": topics_with_recent_counts(start=as_of - timedelta(days=28), end=as_of)[:15],
            "week": current,
            "weeks": count,
            "table": table,
            "as_of": as_of.date(),
            "data_ends_before_now": not request.GET.get("as_of")
            and current < week_of(timezone.now()),
        },
    )


@role_required(*ALL_ROLES)
def agents_page(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        end_day = (
            date.fromisoformat(request.GET.get("until", "")) if request.GET.get("until") else today
        )
        start_day = (
            date.fromisoformat(request.GET["since"])
            if request.GET.get("since")
            else end_day - timedelta(days=89)
        )
    except ValueError:
        start_day, end_day = today - timedelta(days=89), today
    start = timezone.make_aware(datetime.combine(start_day, time.min))
    end = timezone.make_aware(datetime.combine(end_day + timedelta(days=1), time.min))
    rows = agents_performance(start=start, end=end)
    return render(
        request,
        "knowledgebase/agents.html",
        {
            "rows": rows,
            "since": start_day,
            "until": end_day,
            "satisfaction_chart": bar_chart(
                title="Average satisfaction per agent (0–100)",
                x_max=100,
                bars=[(row.name or f"agent {row.agent_id}", row.satisfaction) for row in rows],
            ),
            "volume_chart": bar_chart(
                title="Chats handled per agent",
                bars=[
                    (row.name or f"agent {row.agent_id}", float(row.chats_handled)) for row in rows
                ],
            ),
        },
    )
