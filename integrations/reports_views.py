"""The report pages: the list, each report (with a period where it takes one) and its CSV."""

from datetime import date

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from core.reports import ReportPeriod
from core.roles import GOVERNANCE_ROLES
from core.views import role_required
from integrations.csv_export import csv_response
from integrations.reports import REPORTS, report_build


@role_required(*GOVERNANCE_ROLES)
def report_list(request: HttpRequest) -> HttpResponse:
    reports = [{"key": key, "title": title} for key, (title, _, _) in REPORTS.items()]
    return render(request, "integrations/report_list.html", {"reports": reports})


def _period(request: HttpRequest) -> ReportPeriod | None:
    first, last = request.GET.get("from", "").strip(), request.GET.get("to", "").strip()
    if not first and not last:
        return None
    if not first or not last:
        raise ValueError("Give both From and To.")
    period = ReportPeriod(first=date.fromisoformat(first), last=date.fromisoformat(last))
    if period.first > period.last:
        raise ValueError("From is after To.")
    return period


@role_required(*GOVERNANCE_ROLES)
def report_detail(request: HttpRequest, key: str) -> HttpResponseBase:
    if key not in REPORTS:
        raise Http404("No such report")
    _, takes_period, _ = REPORTS[key]
    try:
        period = _period(request) if takes_period else None
    except ValueError as problem:
        message = str(problem) if "." in str(problem) else "From and To must be dates."
        return render(
            request, "integrations/report.html", {"error": message, "key": key}, status=400
        )
    report = report_build(key, period=period, now=timezone.now())
    if request.GET.get("format") == "csv":
        suffix = f"-{report.period.first}-{report.period.last}" if report.period else ""
        return csv_response(filename=f"{key}{suffix}.csv", header=report.columns, rows=report.rows)
    rows = [
        {
            # Each cell with its column's name: the label of a stacked row at 375 px.
            "cells": list(zip(report.columns, row, strict=False)),
            "link": report.links[i] if i < len(report.links) else None,
        }
        for i, row in enumerate(report.rows)
    ]
    return render(
        request,
        "integrations/report.html",
        {"report": report, "rows": rows, "key": key, "takes_period": takes_period},
    )
