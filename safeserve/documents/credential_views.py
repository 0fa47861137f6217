"""电子签名证书: the signing certificates a user holds or manages — their own, and their
provider's seal for its admin or leader — and the form to upload one from a licensed CA."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from safeserve.common.exceptions import ApplicationError
from safeserve.common.forms import BootstrapFormMixin, apply_error
from safeserve.common.request import AuthedRequest
from safeserve.documents import credentials


class CredentialUploadForm(BootstrapFormMixin, forms.Form):
    holder = forms.ChoiceField(label=gettext_lazy("Certificate for"))
    file = forms.FileField(
        label=gettext_lazy("Certificate file (.p12 or .pfx)"),
        help_text=gettext_lazy(
            "As the licensed CA issued it, with the private key and the CA's chain."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".p12,.pfx,application/x-pkcs12"}),
    )
    passphrase = forms.CharField(
        label=gettext_lazy("The file's password"),
        required=False,
        strip=False,
        help_text=gettext_lazy("Used to open the file only; it is not kept."),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: object, choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        holder = self.fields["holder"]
        assert isinstance(holder, forms.ChoiceField)
        holder.choices = choices
        if len(choices) == 1:
            self.fields["holder"].initial = choices[0][0]


def holder_choices(user: object) -> list[tuple[str, str]]:
    choices = []
    if credentials.signs_in_person(user):
        choices.append((credentials.Holder.SELF, _("My own signature")))
    provider = credentials.seal_provider(user)
    if provider is not None:
        choices.append(
            (credentials.Holder.PROVIDER, _("The seal of %(name)s") % {"name": provider.name})
        )
    return choices


@login_required
def credential_list(request: AuthedRequest) -> HttpResponse:
    choices = holder_choices(request.user)
    if not choices:
        raise PermissionDenied
    form = CredentialUploadForm(request.POST or None, request.FILES or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            credential = credentials.credential_upload(
                actor=request.user,
                data=upload.read(credentials.MAX_BYTES + 1),
                passphrase=form.cleaned_data["passphrase"],
                holder=form.cleaned_data["holder"],
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(
                request,
                _("The certificate %(subject)s now signs, until %(end)s.")
                % {
                    "subject": credential.subject,
                    "end": credentials.local_day(credential.valid_to),
                },
            )
            return redirect("documents:credentials")
    return render(
        request,
        "documents/credentials.html",
        {
            "credentials": credentials.with_use(list(credentials.credentials_of(request.user))),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def credential_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    credential = credentials.credentials_of(request.user).filter(pk=pk).first()
    if credential is None:
        raise Http404
    try:
        credentials.credential_withdraw(actor=request.user, credential=credential)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("The uploaded certificate is withdrawn: the county CA's signs from now on."),
        )
    return redirect("documents:credentials")
