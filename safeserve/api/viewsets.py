"""The shape every scoped resource of the API shares."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from rest_framework import mixins, viewsets
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.request import Request
from rest_framework.response import Response

from safeserve.common.access import require
from safeserve.common.request import actor_of


class ScopedViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet[Any]
):
    """Reads go through ``scoped_queryset`` (the model's data scope) after ``can_read``; an
    object outside it is a 404. Subclasses write through services in ``create`` and
    ``partial_update``; PUT behaves as PATCH."""

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

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Every write goes through a service; a subclass that allows one overrides this.
        raise MethodNotAllowed(request.method or "POST")

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise MethodNotAllowed(request.method or "PATCH")

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)
