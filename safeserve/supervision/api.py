from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from safeserve.api.parsing import body_dict
from safeserve.common.access import require
from safeserve.common.models import POLICY_FIELDS, POLICY_LIMITS, policy_for
from safeserve.common.request import actor_of
from safeserve.supervision.services import (
    can_read_policy,
    county_policy_update,
    policy_snapshot,
)

_Policy = inline_serializer(
    "CountyPolicy",
    {
        name: serializers.IntegerField(min_value=low, max_value=high)
        for name, (low, high) in POLICY_LIMITS.items()
    },
)


class PolicyInput(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (low, high) in POLICY_LIMITS.items():
            self.fields[name] = serializers.IntegerField(
                min_value=low, max_value=high, required=False
            )


class CountyPolicyView(APIView):
    """The policy values of the caller's county (county office; its leader changes them)."""

    @extend_schema(responses=_Policy)
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        require(can_read_policy(actor))
        org = actor.organization
        return Response(policy_snapshot(policy_for(org.county_id if org else None)))

    @extend_schema(request=_Policy, responses=_Policy)
    def patch(self, request: Request) -> Response:
        data = PolicyInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if k in POLICY_FIELDS}
        policy = county_policy_update(
            actor=actor_of(request), values=values, reason=data.validated_data["reason"]
        )
        return Response(policy_snapshot(policy))
