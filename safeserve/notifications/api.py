"""``/api/v1/notifications/``: one's own notifications, marking them read, and the choice of
what one is told."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from safeserve.api.exports import ExportMixin
from safeserve.api.viewsets import ScopedViewSet
from safeserve.common.exceptions import ApplicationError
from safeserve.common.request import actor_of
from safeserve.notifications.exports import NOTIFICATIONS
from safeserve.notifications.filters import NotificationFilter
from safeserve.notifications.models import Notification
from safeserve.notifications.selectors import unread_count
from safeserve.notifications.services import (
    notifications_mark_read,
    preferences_of,
    preferences_save,
)


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    subject = serializers.CharField(read_only=True)
    kind_label = serializers.CharField(read_only=True)
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "created_at",
            "kind",
            "kind_label",
            "subject",
            "params",
            "url",
            "is_read",
            "read_at",
            "email_status",
        ]


class PreferenceSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    kind_label = serializers.CharField(read_only=True)
    mandatory = serializers.BooleanField(read_only=True)
    in_app = serializers.BooleanField()
    email = serializers.BooleanField()


class ReadSerializer(serializers.Serializer[Any]):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=1000
    )
    all = serializers.BooleanField(required=False, default=False)


def _preferences(actor: Any) -> list[dict[str, Any]]:
    return [
        {
            "kind": kind.key,
            "kind_label": str(kind.label),
            "mandatory": kind.mandatory,
            "in_app": in_app,
            "email": email,
        }
        for kind, in_app, email in preferences_of(actor)
    ]


class NotificationViewSet(ExportMixin, ScopedViewSet):
    """One's own notifications, newest first (filters: ``kind``, ``unread``, ``sent_after``,
    ``sent_before``)."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    list_export = NOTIFICATIONS

    def scoped_queryset(self, actor: Any) -> Any:
        return Notification.objects.visible_to(actor)

    @extend_schema(
        request=None,
        responses=inline_serializer("UnreadCount", {"unread": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request: Request) -> Response:
        """How many are unread (counted up to 100)."""
        return Response({"unread": unread_count(actor_of(request))})

    @extend_schema(
        request=None,
        responses=inline_serializer("MarkedRead", {"marked": serializers.IntegerField()}),
    )
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        """Marks this notification read."""
        notification = self.get_object()
        marked = notifications_mark_read(actor=actor_of(request), ids=[notification.pk])
        return Response({"marked": marked})

    @extend_schema(
        operation_id="notifications_read_many",
        request=ReadSerializer,
        responses=inline_serializer("MarkedReadMany", {"marked": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="read")
    def read_many(self, request: Request) -> Response:
        """Marks the notifications ``ids`` read, or every one with ``all: true``."""
        body = ReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = body.validated_data.get("ids")
        if not body.validated_data["all"] and not ids:
            message = _("List the notifications to mark read in ids, or send all: true.")
            raise ApplicationError(
                "nothing_to_mark", message, errors={"ids": [message]}, status=400
            )
        ids = None if body.validated_data["all"] else ids
        return Response({"marked": notifications_mark_read(actor=actor_of(request), ids=ids)})

    @extend_schema(
        request=PreferenceSerializer(many=True), responses=PreferenceSerializer(many=True)
    )
    @action(detail=False, methods=["get", "post"], pagination_class=None)
    def preferences(self, request: Request) -> Response:
        """What one is told, per kind: ``in_app`` and ``email``. POST a list of
        ``{kind, in_app, email}`` to change some; a ``mandatory`` kind always shows in the
        app."""
        actor = actor_of(request)
        if request.method == "POST":
            body = PreferenceSerializer(data=request.data, many=True)
            body.is_valid(raise_exception=True)
            preferences_save(
                actor=actor,
                choices={row["kind"]: (row["in_app"], row["email"]) for row in body.validated_data},
            )
        return Response(_preferences(actor))
