"""What the audit trail calls evaluation events and the keys it records."""

from django.utils.translation import gettext_lazy

from safeserve.audit.actions import register_actions, register_keys, register_object_types

register_object_types(
    {
        "evaluations.evaluation": gettext_lazy("Performance evaluation"),
        "evaluations.expertrating": gettext_lazy("Expert rating"),
        "evaluations.sanction": gettext_lazy("Sanction"),
        "evaluations.annualsubmission": gettext_lazy("Annual submission"),
        "evaluations.commission": gettext_lazy("Third-party re-evaluation commission"),
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
        "deducted": gettext_lazy("deducted (yuan)"),
        "recoverable": gettext_lazy("to be recovered (yuan)"),
        "credited": gettext_lazy("credited back (yuan)"),
        "ban_from": gettext_lazy("banned from"),
        "ban_until": gettext_lazy("banned until"),
        "ban_lifted_on": gettext_lazy("lifted on"),
        "vetoed": gettext_lazy("failed a veto criterion"),
        "referred_to": gettext_lazy("referred to"),
        "referred_on": gettext_lazy("referred on"),
        "due_on": gettext_lazy("due by"),
        "replaces": gettext_lazy("replaces the returned submission"),
        "contracts": gettext_lazy("Contracts of the year"),
        "format": gettext_lazy("Format"),
        "evaluator": gettext_lazy("third-party evaluator"),
        "original": gettext_lazy("re-evaluates"),
        "share": gettext_lazy("random share (%)"),
        "evaluations": gettext_lazy("Performance evaluations"),
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
        "evaluation.printed": gettext_lazy("Downloaded the evaluation record (PDF)"),
        "expert.rated": gettext_lazy("Rated the expert"),
        "evaluation.commissioned": gettext_lazy("Commissioned the re-evaluation"),
        "commission.created": gettext_lazy("Commissioned a third-party re-evaluation"),
        "sanction.proposed": gettext_lazy("Proposed a sanction (failed evaluation)"),
        "sanction.confirmed": gettext_lazy("Confirmed the sanction"),
        "sanction.rejected": gettext_lazy("Rejected the sanction"),
        "sanction.withdrawn": gettext_lazy(
            "Withdrew the proposed sanction (a later result passed)"
        ),
        "sanction.lift_proposed": gettext_lazy(
            "Proposed lifting the sanction (a later result passed)"
        ),
        "sanction.lifted": gettext_lazy("Lifted the sanction"),
        "sanction.referred": gettext_lazy("Recorded a referral"),
        "annual_submission.opened": gettext_lazy("Started the annual submission"),
        "annual_submission.explained": gettext_lazy("Explained contracts not evaluated"),
        "annual_submission.submitted": gettext_lazy("Submitted to the county office"),
        "annual_submission.received": gettext_lazy("Received the annual submission"),
        "annual_submission.returned": gettext_lazy("Returned the annual submission"),
        "annual_submission.downloaded": gettext_lazy("Downloaded the annual summary"),
    }
)
