"""What the audit trail calls the county policy and its changes (registered when the app
loads)."""

from django.utils.translation import gettext_lazy

from safeserve.audit.actions import register_actions, register_object_types

register_object_types({"common.countypolicy": gettext_lazy("County policy")})
register_actions({"county_policy.changed": gettext_lazy("County policy changed")})
