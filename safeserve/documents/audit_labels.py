"""What the audit trail calls document events and the keys it records (registered when the
app loads)."""

from django.utils.translation import gettext_lazy

from safeserve.audit.actions import register_actions, register_keys, register_object_types

register_object_types(
    {
        "documents.signeddocument": gettext_lazy("Signed document"),
        "documents.signingauthority": gettext_lazy("County signing authority"),
        "documents.signingcredential": gettext_lazy("Signing certificate"),
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
    }
)

register_actions(
    {
        "document.signed": gettext_lazy("Signed the document"),
        "document.downloaded": gettext_lazy("Downloaded the document"),
        "signing.authority_created": gettext_lazy("Created the county signing authority"),
        "signing.credential_issued": gettext_lazy("Issued a signing certificate"),
        "signing.credential_revoked": gettext_lazy("Revoked a signing certificate"),
    }
)
