"""What the audit trail calls organizations events and the keys it records (registered when the
app loads)."""

from django.utils.translation import gettext_lazy

from safeserve.audit.actions import register_actions, register_object_types

register_object_types({"organizations.organization": gettext_lazy("Organization")})

register_actions(
    {
        "organization.created": gettext_lazy("Organization created"),
        "organization.updated": gettext_lazy("Organization updated"),
        "organization.deactivated": gettext_lazy("Organization deactivated"),
        "organization.reactivated": gettext_lazy("Organization reactivated"),
    }
)

register_object_types({"organizations.region": gettext_lazy("Region")})

register_actions({"region.created": gettext_lazy("Township added")})
