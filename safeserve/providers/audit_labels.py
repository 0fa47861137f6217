"""What the audit trail calls providers events and the keys it records (registered when the
app loads)."""

from django.utils.translation import gettext_lazy

from safeserve.audit.actions import register_actions, register_keys, register_object_types
from safeserve.providers.models import AdmissionStatus, PoolStatus

register_object_types(
    {
        "providers.provider": gettext_lazy("Provider"),
        "providers.qualification": gettext_lazy("Qualification"),
        "providers.expert": gettext_lazy("Expert"),
        "providers.employerchange": gettext_lazy("Employer change"),
    }
)

register_actions(
    {
        "provider.registered": gettext_lazy("Provider profile created"),
        "provider.updated": gettext_lazy("Provider profile updated"),
        "provider.equipment_changed": gettext_lazy("Equipment list changed"),
        "provider.admitted": gettext_lazy("Admitted to the county register"),
        "provider.removed": gettext_lazy("Removed from the county register"),
        "provider.suspended": gettext_lazy("Suspended in the county"),
        "provider.reinstated": gettext_lazy("Reinstated in the county"),
        "provider.violation_recorded": gettext_lazy("Violation recorded"),
        "qualification.added": gettext_lazy("Qualification added"),
        "qualification.updated": gettext_lazy("Qualification updated"),
        "qualification.deleted": gettext_lazy("Qualification deleted"),
        "expert.created": gettext_lazy("Expert registered"),
        "expert.updated": gettext_lazy("Expert updated"),
        "expert.pool_admitted": gettext_lazy("Admitted to the expert pool"),
        "expert.pool_suspended": gettext_lazy("Suspended from the expert pool"),
        "expert.pool_reinstated": gettext_lazy("Reinstated in the expert pool"),
        "expert.employer_changed": gettext_lazy("Moved to another employer"),
        "employer_change.requested": gettext_lazy("Employer change requested"),
        "employer_change.approved": gettext_lazy("Employer change approved"),
        "employer_change.rejected": gettext_lazy("Employer change rejected"),
        "employer_change.withdrawn": gettext_lazy("Employer change withdrawn"),
        "user.organization_changed": gettext_lazy("Account moved to another organization"),
    }
)

register_keys(
    {
        "admission": gettext_lazy("County register"),
        "pool_status": gettext_lazy("Expert pool"),
        "employer": gettext_lazy("Employing provider"),
        "certificate": gettext_lazy("Certificate"),
        "equipment": gettext_lazy("Equipment"),
    },
    {"admission": AdmissionStatus.choices, "pool_status": PoolStatus.choices},
)
