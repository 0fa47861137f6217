"""Serializer fields every resource may share."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from safeserve.common.workflow import verbs_for


@extend_schema_field(serializers.ListField(child=serializers.CharField()))
class AllowedActionsField(serializers.Field):
    """The verbs the requesting user may do on the object now (its lifecycle's verb table):
    POST …/<id>/<verb>/ for each. The same list decides the page's buttons."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> list[str]:
        return verbs_for(self.context["request"].user, value)
