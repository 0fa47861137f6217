"""What the audit trail calls operations events and the keys it records (registered when the
app loads)."""

from django.utils.translation import gettext_lazy

from safeserve.audit.actions import register_actions

register_actions({"county.created": gettext_lazy("County set up")})

register_actions(
    {
        "roster.imported": gettext_lazy("Roster imported"),
        "roster.credentials_downloaded": gettext_lazy("Temporary passwords downloaded"),
    }
)
