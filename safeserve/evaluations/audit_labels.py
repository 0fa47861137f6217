"""What the audit trail calls evaluation events and the keys it records."""

from django.utils.translation import gettext_lazy

from safeserve.audit.actions import register_actions, register_keys, register_object_types

register_object_types(
    {
        "evaluations.evaluation": gettext_lazy("Performance evaluation"),
        "evaluations.expertrating": gettext_lazy("Expert rating"),
    }
)

register_keys(
    {
        "period": gettext_lazy("Period"),
        "pass_score": gettext_lazy("pass score"),
        "total": gettext_lazy("total score"),
        "passed": gettext_lazy("Passed"),
        "reply_due": gettext_lazy("reply by"),
        "files": gettext_lazy("Attachments"),
        "evaluation": gettext_lazy("Performance evaluation"),
        "quality": gettext_lazy("professional quality"),
        "diligence": gettext_lazy("diligence"),
        "integrity": gettext_lazy("integrity"),
    }
)

register_actions(
    {
        "evaluation.opened": gettext_lazy("Opened the evaluation"),
        "evaluation.scored": gettext_lazy("Scored the criteria"),
        "evaluation.sent": gettext_lazy("Sent the evaluation to the provider"),
        "evaluation.replied": gettext_lazy("Replied to the evaluation"),
        "evaluation.finalised": gettext_lazy("Made the evaluation final"),
        "evaluation.file_downloaded": gettext_lazy("Downloaded a reply attachment"),
        "expert.rated": gettext_lazy("Rated the expert"),
    }
)
