"""What the audit trail calls procurement events and the keys it records (registered when the
app loads)."""

from django.utils.translation import gettext_lazy

from safeserve.audit.actions import register_actions, register_keys, register_object_types
from safeserve.common.choices import ServiceCategory
from safeserve.procurement.models import PlanItem

register_object_types(
    {
        "procurement.purchaseplan": gettext_lazy("Purchase plan"),
        "procurement.purchaseproject": gettext_lazy("Purchase project"),
        "procurement.leadinggroup": gettext_lazy("Leading group"),
    }
)

register_actions(
    {
        "plan.created": gettext_lazy("Plan created"),
        "plan.item_saved": gettext_lazy("Plan item saved"),
        "plan.item_deleted": gettext_lazy("Plan item deleted"),
        "plan.submitted": gettext_lazy("Plan submitted"),
        "plan.approved": gettext_lazy("Plan approved"),
        "plan.returned": gettext_lazy("Plan returned"),
        "plan.closed": gettext_lazy("Plan closed"),
        "leading_group.saved": gettext_lazy("Leading group saved"),
        "project.created": gettext_lazy("Project created"),
        "project.updated": gettext_lazy("Project updated"),
        "project.document_added": gettext_lazy("Decision document added"),
        "project.awarded": gettext_lazy("Project awarded"),
        "project.award_refused": gettext_lazy("Award refused (eligibility)"),
        "project.cancelled": gettext_lazy("Project cancelled"),
    }
)

register_keys(
    {
        **{
            name: PlanItem._meta.get_field(name).verbose_name  # type: ignore[union-attr]
            for name in (
                "category",
                "content",
                "description",
                "target_enterprises",
                "target_visits",
                "target_sessions",
                "is_pilot",
            )
        },
        "items": gettext_lazy("Items"),
        "budget": gettext_lazy("Budget"),
        "item_id": gettext_lazy("Plan item"),
    },
    choices={"category": ServiceCategory.choices},
)
