"""What the audit trail calls enterprises events and the keys it records (registered when the
app loads)."""

from django.utils.translation import gettext_lazy

from safeserve.audit.actions import register_actions, register_object_types

register_object_types(
    {
        "enterprises.enterprise": gettext_lazy("Enterprise"),
        "enterprises.sectorrule": gettext_lazy("Industry to sector rule"),
    }
)

register_actions(
    {
        "enterprise.created": gettext_lazy("Enterprise registered"),
        "enterprise.updated": gettext_lazy("Enterprise updated"),
        "enterprise.sector_overridden": gettext_lazy("Sector set by hand"),
        "enterprise.sector_override_cleared": gettext_lazy("Sector back to the mapping"),
        "enterprise.account_opened": gettext_lazy("Enterprise login organization opened"),
        "enterprise.imported": gettext_lazy("Enterprises imported"),
        "enterprise.exported": gettext_lazy("Enterprises exported"),
        "sector_rule.saved": gettext_lazy("Industry mapping rule saved"),
        "sector_rule.deleted": gettext_lazy("Industry mapping rule deleted"),
    }
)
