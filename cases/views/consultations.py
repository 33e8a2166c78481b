"""Expert consultations: the expert's advice."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cases import forms, selectors
from cases.services import consultations as consultation_services
from centers.http import AuthedRequest
from centers.infra.errors import form_errors


@login_required
def consultation_advise(request: AuthedRequest, pk: int) -> HttpResponse:
    """The expert reads the question and gives advice, which joins the case."""
    consultation = selectors.consultation_for_user(user=request.user, pk=pk)
    form = forms.AdviceForm(request.POST or None, initial={"advice": consultation.advice})
    if request.method == "POST" and form.is_valid():
        try:
            consultation_services.consultation_advise(
                consultation=consultation, advice=form.cleaned_data["advice"], actor=request.user
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Thank you: your advice is on the case."))
            return redirect("cases:consultations")
    return render(
        request,
        "cases/consultation_advise.html",
        {"consultation": consultation, "form": form},
        status=400 if form.errors else 200,
    )
