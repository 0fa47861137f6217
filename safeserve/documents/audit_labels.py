"""What the audit trail calls document events and the keys it records (registered when the
app loads)."""

from django.utils.translation import gettext_lazy

from safeserve.audit.actions import register_actions, register_keys, register_object_types

register_object_types(
    {
        "documents.signeddocument": gettext_lazy("Signed document"),
        "documents.signingauthority": gettext_lazy("County signing authority"),
        "documents.signingcredential": gettext_lazy("Signing certificate"),
        "documents.technicalreport": gettext_lazy("Technical report"),
    }
)

register_keys(
    {
        "signature": gettext_lazy("Signature"),
        "signer": gettext_lazy("Signed by"),
        "certificate": gettext_lazy("Certificate serial number"),
        "sha256": gettext_lazy("SHA-256"),
        "subject": gettext_lazy("Certificate holder"),
        "serial": gettext_lazy("Certificate serial number"),
        "fingerprint": gettext_lazy("Fingerprint"),
        "holder": gettext_lazy("Certificate for"),
        "issuer": gettext_lazy("issuer"),
        "valid_to": gettext_lazy("valid to"),
        "experts": gettext_lazy("Participating experts"),
        "revises": gettext_lazy("Revises"),
        "reason": gettext_lazy("Reason"),
        "by": gettext_lazy("Superseded by"),
        "version": gettext_lazy("Version"),
        "overview": gettext_lazy("overview"),
        "basis": gettext_lazy("basis"),
        "conclusion": gettext_lazy("conclusion"),
        "recommendations": gettext_lazy("recommendations"),
    }
)

register_actions(
    {
        "document.signed": gettext_lazy("Signed the document"),
        "document.downloaded": gettext_lazy("Downloaded the document"),
        "report.opened": gettext_lazy("Opened the technical report"),
        "report.edited": gettext_lazy("Edited the report's sections"),
        "report.signatures_requested": gettext_lazy("Sent the report for signature"),
        "report.render_retried": gettext_lazy("Made the report's PDF again"),
        "report.sealed": gettext_lazy("Sealed the report"),
        "report.issued": gettext_lazy("Issued the report"),
        "report.accepted": gettext_lazy("Accepted the report"),
        "report.returned": gettext_lazy("Returned the report"),
        "report.revised": gettext_lazy("Revised the report as a new version"),
        "report.superseded": gettext_lazy("Superseded by a newer version"),
        "signing.authority_created": gettext_lazy("Created the county signing authority"),
        "signing.credential_issued": gettext_lazy("Issued a signing certificate"),
        "signing.credential_revoked": gettext_lazy("Revoked a signing certificate"),
        "signing.credential_uploaded": gettext_lazy("Uploaded a signing certificate"),
        "signing.credential_withdrawn": gettext_lazy("Withdrew a signing certificate"),
    }
)
