from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from safeserve.audit.exports import export_page
from safeserve.common.access import get_visible
from safeserve.common.exceptions import ApplicationError
from safeserve.common.filters import filtered
from safeserve.common.pagination import paginate, query_without_page
from safeserve.common.request import AuthedRequest
from safeserve.notifications.exports import NOTIFICATIONS
from safeserve.notifications.filters import NotificationFilter
from safeserve.notifications.forms import PreferencesForm
from safeserve.notifications.models import Notification
from safeserve.notifications.selectors import unread_count
from safeserve.notifications.services import notifications_mark_read, preferences_save

BELL_LATEST = 5


def _notifications(request: AuthedRequest) -> NotificationFilter:
    return filtered(request, NotificationFilter, Notification.objects.visible_to(request.user))


@login_required
def notification_list(request: AuthedRequest) -> HttpResponse:
    filters = _notifications(request)
    return render(
        request,
        "notifications/notification_list.html",
        {
            "page": paginate(request, filters.qs),
            "filters": filters,
            "query": query_without_page(request),
            "unread": unread_count(request.user),
        },
    )


@login_required
def notification_list_export(request: AuthedRequest) -> HttpResponseBase:
    return export_page(request, export=NOTIFICATIONS, filters=_notifications(request))


@login_required
def notification_bell(request: AuthedRequest) -> HttpResponse:
    """The bell's unread count and the latest few (htmx, loaded after the page and every
    minute), so no page pays for it."""
    latest = list(Notification.objects.visible_to(request.user)[:BELL_LATEST])
    return render(
        request,
        "notifications/_bell.html",
        {"unread": unread_count(request.user), "latest": latest},
    )


@login_required
def notification_open(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """Marks the notification read and goes to what it is about."""
    notification = get_visible(Notification.objects.all(), request.user, pk=pk)
    notifications_mark_read(actor=request.user, ids=[notification.pk])
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect("notifications:list")
    return HttpResponseRedirect(target)


@login_required
@require_POST
def notification_mark_read(request: AuthedRequest) -> HttpResponseBase:
    """Marks the chosen notifications read (``id``, repeated), or all of them."""
    ids = None
    if "all" not in request.POST:
        ids = [
            int(i)
            for i in request.POST.getlist("id")
            if i.isascii() and i.isdecimal() and len(i) <= 12
        ][:1000]
    count = notifications_mark_read(actor=request.user, ids=ids)
    messages.success(
        request,
        ngettext(
            "%(count)d notification marked read.",
            "%(count)d notifications marked read.",
            count,
        )
        % {"count": count},
    )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect("notifications:list")
    return HttpResponseRedirect(back)


@login_required
def notification_preferences(request: AuthedRequest) -> HttpResponse:
    form = PreferencesForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            preferences_save(actor=request.user, choices=form.choices())
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your notification preferences are saved."))
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
