"""What the audit trail calls accounts events and the keys it records (registered when the
app loads)."""

from django.utils.translation import gettext_lazy

from safeserve.audit.actions import register_actions, register_object_types

register_object_types({"accounts.user": gettext_lazy("User")})

register_actions(
    {
        "user.created": gettext_lazy("User created"),
        "user.updated": gettext_lazy("User updated"),
        "user.deactivated": gettext_lazy("User deactivated"),
        "user.reactivated": gettext_lazy("User reactivated"),
        "user.password_reset": gettext_lazy("Password reset by administrator"),
        "user.password_changed": gettext_lazy("Password changed"),
        "user.password_expired": gettext_lazy("Password expired: change required"),
        "user.otp_enrolled": gettext_lazy("Second factor set up"),
        "user.otp_reset": gettext_lazy("Second factor reset by administrator"),
        "auth.otp_failed": gettext_lazy("Wrong second-factor code"),
        "user.unlocked": gettext_lazy("Locked account unlocked"),
        "auth.login": gettext_lazy("Logged in"),
        "auth.login_failed": gettext_lazy("Login failed"),
        "auth.locked": gettext_lazy("Login refused: account locked"),
        "auth.login_inactive": gettext_lazy("Login refused: account deactivated"),
        "auth.logout": gettext_lazy("Logged out"),
        "auth.timeout": gettext_lazy("Session timed out"),
        "auth.token_issued": gettext_lazy("API token issued"),
        "auth.token_revoked": gettext_lazy("API token revoked"),
    }
)
