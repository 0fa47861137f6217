"""The shape every scoped resource of the API shares."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from rest_framework import viewsets

from safeserve.common.access import require
from safeserve.common.request import actor_of


class ScopedViewSet(viewsets.ReadOnlyModelViewSet[Any]):
    """Reads go through ``scoped_queryset`` (the model's data scope) after ``can_read``; an
    object outside it is a 404. A subclass that accepts writes defines ``create`` or
    ``partial_update`` (through a service); the router routes, and the schema lists, only the
    methods a resource defines, so none answers only 405."""

    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = r"\d+"
    # One object's page adds what lists leave out for their query count: allowed_actions.
    detail_serializer_class: Any = None

    def get_serializer_class(self) -> Any:
        if self.detail_serializer_class is not None and self.action != "list":
            return self.detail_serializer_class
        return super().get_serializer_class()

    def can_read(self, actor: Any) -> bool:
        return True

    def scoped_queryset(self, actor: Any) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return self.get_serializer_class().Meta.model.objects.none()
        actor = actor_of(self.request)
        require(self.can_read(actor))
        return self.scoped_queryset(actor)

    def get_object(self) -> Any:
        obj = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if obj is None:
            raise Http404
        return obj
