"""What the audit trail calls the county policy and its changes (registered when the app
loads)."""

from django.utils.translation import gettext_lazy

from safeserve.audit.actions import register_actions, register_keys, register_object_types

register_object_types(
    {
        "common.countypolicy": gettext_lazy("County policy"),
        "supervision.statisticssubmission": gettext_lazy("Hazard statistics submission"),
    }
)
register_actions(
    {
        "county_policy.changed": gettext_lazy("County policy changed"),
        "statistics.opened": gettext_lazy("Hazard statistics started"),
        "statistics.noted": gettext_lazy("Hazard statistics note saved"),
        "statistics.submitted": gettext_lazy("Hazard statistics submitted"),
        "statistics.received": gettext_lazy("Hazard statistics received"),
        "statistics.returned": gettext_lazy("Hazard statistics returned"),
        "statistics.downloaded": gettext_lazy("Hazard statistics downloaded"),
    }
)
register_keys(
    {
        "statistics_period": gettext_lazy("Statistics period"),
        "general_found": gettext_lazy("General hazards found"),
        "major_found": gettext_lazy("Major hazards found"),
        "breakdown": gettext_lazy("Break down"),
    }
)
