from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from safeserve.accounts import exports, otp, selectors, services
from safeserve.accounts.authentication import TokenAuthentication
from safeserve.accounts.filters import DeniedAccessFilter, UserFilter
from safeserve.accounts.models import ApiToken, DeniedAccess, LoginChannel, LoginResult, User
from safeserve.api.exports import ExportMixin
from safeserve.api.parsing import body_dict
from safeserve.api.viewsets import ScopedViewSet
from safeserve.common.access import get_visible, require
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.masking import mask_phone
from safeserve.common.request import actor_of
from safeserve.organizations.models import Organization, Role
from safeserve.organizations.permissions import (
    can_manage_any_users,
    can_manage_users_of,
    can_read_county_logs,
)


class TokenInput(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)
    otp = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        help_text="The authenticator code (or a backup code), for roles the county requires it of.",
    )


class TokenOutput(serializers.Serializer[Any]):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class TokenView(APIView):
    """Exchange a username and password for an expiring API token; DELETE revokes it.

    Failures count towards the same per-account lockout as the login page."""

    # Token only: the token endpoint never needs the session (and so no CSRF token).
    authentication_classes = [TokenAuthentication]

    def get_permissions(self) -> list[Any]:
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(request=TokenInput, responses={200: TokenOutput})
    def post(self, request: Request) -> Response:
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        username = data.validated_data["username"]
        django_request = request._request
        user = authenticate(
            django_request, username=username, password=data.validated_data["password"]
        )
        if user is None:
            if getattr(django_request, "axes_locked_out", False):
                result = LoginResult.LOCKED
            else:
                candidate = (
                    User.objects.select_related("organization").filter(username=username).first()
                )
                if candidate is None:
                    # The same hashing work as for a real account, so the answer's timing
                    # does not tell which usernames exist (ASVS 5.0 V6.3.8).
                    make_password(data.validated_data["password"])
                inactive = candidate is not None and candidate.check_password(
                    data.validated_data["password"]
                )
                result = LoginResult.INACTIVE if inactive else LoginResult.FAILED
            services.login_record(
                request=django_request, username=username, result=result, channel=LoginChannel.API
            )
            if result == LoginResult.INACTIVE:
                raise ApplicationError(
                    "account_inactive",
                    _("This account (or its organization) has been deactivated."),
                    status=400,
                )
            raise ApplicationError(
                "invalid_credentials", _("Wrong username or password."), status=400
            )
        if services.password_expiry_enforce(user=user):
            raise ApplicationError(
                "password_change_required",
                _("Change your password on the web page first: it is temporary or has expired."),
                status=403,
            )
        if otp.otp_required(user):
            code = data.validated_data.get("otp", "")
            if otp.totp_device(user) is None:
                raise ApplicationError(
                    "otp_not_enrolled",
                    _("Set up the second factor on the web page first."),
                    status=401,
                )
            if not code:
                raise ApplicationError(
                    "otp_required",
                    _("Send the authenticator code as otp in the same request."),
                    errors={"otp": [_("This field is required.")]},
                    status=401,
                )
            if otp.matching_device(user, code) is None:
                services.otp_failure_record(request=django_request, user=user)
                raise ApplicationError(
                    "otp_invalid",
                    _("The authenticator code is not right."),
                    errors={"otp": [_("Enter the code the app shows now.")]},
                    status=401,
                )
        services.login_record(
            request=django_request,
            username=username,
            user=user,
            result=LoginResult.SUCCESS,
            channel=LoginChannel.API,
        )
        key, token = services.token_issue(user=user)
        return Response({"token": key, "expires_at": token.expires_at})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        token = request.auth
        if not isinstance(token, ApiToken):
            raise ApplicationError(
                "not_token_auth",
                _("Send the token to revoke in the Authorization header."),
                status=400,
            )
        services.token_revoke(user=actor_of(request), token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserSerializer(serializers.ModelSerializer[User]):
    organization_name = serializers.CharField(
        source="organization.name", default=None, read_only=True
    )
    organization_kind = serializers.CharField(
        source="organization.kind", default=None, read_only=True
    )
    phone = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "email",
            "phone",
            "organization",
            "organization_name",
            "organization_kind",
            "role",
            "is_active",
            "must_change_password",
            "date_joined",
        ]

    def get_phone(self, obj: User) -> str:
        viewer = self.context["request"].user
        if obj.pk == viewer.pk or (
            obj.organization and can_manage_users_of(viewer, obj.organization)
        ):
            return obj.phone
        return mask_phone(obj.phone)


class UserCreateInput(serializers.Serializer[Any]):
    organization = serializers.IntegerField()
    username = serializers.RegexField(r"^[A-Za-z0-9_.@+-]+\Z", max_length=60)
    full_name = serializers.CharField(max_length=60)
    role = serializers.ChoiceField(choices=Role.choices)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    phone = serializers.RegexField(
        r"^[0-9+\-]{5,20}$", required=False, allow_blank=True, default=""
    )


class UserUpdateInput(serializers.Serializer[Any]):
    full_name = serializers.CharField(max_length=60)
    role = serializers.ChoiceField(choices=Role.choices)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phone = serializers.RegexField(r"^[0-9+\-]{5,20}$", required=False, allow_blank=True)


_created = inline_serializer(
    "UserCreated", fields={"user": UserSerializer(), "temporary_password": serializers.CharField()}
)


class UserViewSet(
    ExportMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet[User],
):
    """``GET /users/?q=&organization=&role=&is_active=`` (and ``/users/export/``): the
    list of the users' administrators."""

    serializer_class = UserSerializer
    filterset_class = UserFilter
    list_export = exports.USERS
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.user_list(viewer=actor_of(self.request))

    def get_object(self) -> User:
        return get_visible(
            User.objects.select_related("organization"),
            actor_of(self.request),
            pk=self.kwargs["pk"],
        )

    def _out(self, user: User) -> dict[str, Any]:
        fresh = User.objects.select_related("organization").get(pk=user.pk)
        return UserSerializer(fresh, context={"request": self.request}).data

    def _require_manage(self, user: User) -> None:
        require(
            user.organization is not None
            and can_manage_users_of(actor_of(self.request), user.organization)
        )

    @extend_schema(responses=UserSerializer)
    @action(detail=False, methods=["get"])
    def me(self, request: Request) -> Response:
        """The user the token or session belongs to."""
        return Response(self._out(actor_of(request)))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require(can_manage_any_users(actor_of(request)))
        return super().list(request, *args, **kwargs)

    def check_permissions(self, request: Request) -> None:
        super().check_permissions(request)
        if self.action == "export":  # the list's readers only, as list() requires
            require(can_manage_any_users(actor_of(request)))

    @extend_schema(request=UserCreateInput, responses={201: _created})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require(can_manage_any_users(actor_of(request)))
        data = UserCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        organization = get_visible(
            Organization.objects.all(), actor_of(request), pk=values.pop("organization")
        )
        user, temporary = services.user_create(
            actor=actor_of(request), organization=organization, **values
        )
        return Response(
            {"user": self._out(user), "temporary_password": temporary},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=UserUpdateInput, responses=UserSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        target = self.get_object()
        self._require_manage(target)
        data = UserUpdateInput(
            data={
                "full_name": target.full_name,
                "role": target.role,
                "email": target.email,
                "phone": target.phone,
                **body_dict(request),
            }
        )
        data.is_valid(raise_exception=True)
        services.user_update(actor=actor_of(request), user=target, **data.validated_data)
        return Response(self._out(target))

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(
        request=inline_serializer("Reason", {"reason": serializers.CharField()}),
        responses=UserSerializer,
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str | None = None) -> Response:
        target = self.get_object()
        self._require_manage(target)
        reason = body_dict(request).get("reason", "")
        services.user_deactivate(actor=actor_of(request), user=target, reason=str(reason))
        return Response(self._out(target))

    @extend_schema(request=None, responses=UserSerializer)
    @action(detail=True, methods=["post"])
    def reactivate(self, request: Request, pk: str | None = None) -> Response:
        target = self.get_object()
        self._require_manage(target)
        services.user_reactivate(actor=actor_of(request), user=target)
        return Response(self._out(target))

    @extend_schema(request=None, responses=_created)
    @action(detail=True, methods=["post"], url_path="reset-password")
    def reset_password(self, request: Request, pk: str | None = None) -> Response:
        target = self.get_object()
        self._require_manage(target)
        temporary = services.user_reset_password(actor=actor_of(request), user=target)
        return Response({"user": self._out(target), "temporary_password": temporary})

    @extend_schema(
        request=inline_serializer("OtpResetInput", {"reason": serializers.CharField()}),
        responses=UserSerializer,
    )
    @action(detail=True, methods=["post"], url_path="reset-otp")
    def reset_otp(self, request: Request, pk: str | None = None) -> Response:
        """Recovery of a lost phone: removes the user's authenticator and backup codes (they
        set it up again at the next login) and ends their sessions and tokens; audited."""
        target = self.get_object()
        self._require_manage(target)
        reason = str(body_dict(request).get("reason", ""))
        services.otp_reset(actor=actor_of(request), user=target, reason=reason)
        return Response(self._out(target))

    @extend_schema(request=None, responses=UserSerializer)
    @action(detail=True, methods=["post"])
    def unlock(self, request: Request, pk: str | None = None) -> Response:
        """Lifts a lockout after too many wrong passwords (409 ``not_locked`` if none)."""
        target = self.get_object()
        self._require_manage(target)
        services.user_unlock(actor=actor_of(request), user=target)
        return Response(self._out(target))


class DeniedAccessSerializer(serializers.ModelSerializer[DeniedAccess]):
    username = serializers.CharField(source="user.username", default=None, read_only=True)

    class Meta:
        model = DeniedAccess
        fields = [
            "id",
            "minute",
            "username",
            "ip",
            "status",
            "method",
            "path",
            "count",
            "last_at",
        ]


class DeniedAccessViewSet(ExportMixin, ScopedViewSet):
    """Refused requests of the county (403s, 404s outside scope, wrong notice-link tokens),
    one row per asker, minute and answer — for the county office."""

    serializer_class = DeniedAccessSerializer
    filterset_class = DeniedAccessFilter
    list_export = exports.DENIED_ACCESSES

    def can_read(self, actor: Any) -> bool:
        return can_read_county_logs(actor)

    def scoped_queryset(self, actor: Any) -> Any:
        return selectors.denied_access_list(viewer=actor)
