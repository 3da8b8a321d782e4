"""The client's rating page [RP1]: reached from the links in our reply. A GET only shows
the page (mail scanners open every link); the grade is recorded by the page's POST. The
token is signed and expires; the page speaks the client's browser language."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from helpwire.core.ratelimit import client_ip, too_many
from helpwire.reports import actions
from helpwire.reports.models import Grade
from helpwire.reports.ratings import GRADE_ORDER, LinkError, rating_of
from helpwire.workspace.views.common import error_text


class RatingForm(forms.Form):
    grade = forms.ChoiceField(choices=Grade.choices, label=gettext_lazy("Your rating"))
    comment = forms.CharField(required=False, max_length=actions.MAX_COMMENT,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              label=gettext_lazy("Comment"))


def rate(request: HttpRequest, token: str) -> HttpResponse:
    if too_many(scope="rate", key=client_ip(request), limit=60, window=600):
        return render(request, "workspace/rate.html", {"problem": gettext_lazy(
            "Too many attempts. Please try again in a few minutes.")}, status=429)
    try:
        rating = rating_of(token)
    except LinkError as exc:
        return render(request, "workspace/rate.html", {"problem": str(exc)}, status=410)
    done = False
    problem = ""
    if request.method == "POST":
        form = RatingForm(request.POST)
        if form.is_valid():
            try:
                rating = actions.rate(rating_id=rating.pk, grade=form.cleaned_data["grade"],
                                      comment=form.cleaned_data["comment"])
                done = True
            except ValidationError as exc:
                problem = error_text(exc)
    else:
        wanted = request.GET.get("grade", "")
        form = RatingForm(initial={"grade": wanted if wanted in Grade.values else rating.grade,
                                   "comment": rating.comment})
    return render(request, "workspace/rate.html", {
        "rating": rating, "form": form, "done": done, "problem": problem,
        "grades": [(g.value, g.label) for g in GRADE_ORDER],
        "chosen": form["grade"].value(),
    })
