"""Rule-set pages: the clinic's versions and their history, a proposal with its impact preview,
approval or rejection by a second clinician, and the administrator's choice of clinical leads.

Thin: the policy is the core's (``clinical/governance.py``), the workflows are
``accounts/rulesets.py``, the preview is ``ruleset_impact.py``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from spinepath.accounts.access import Task, ensure_may, may
from spinepath.accounts.models import Clinic, Role, RuleSetVersion, User
from spinepath.accounts.rulesets import (
    RuleSetRefused,
    clinical_lead_set,
    open_proposal,
    previous_config,
    ruleset_approve,
    ruleset_draft,
    ruleset_propose,
    ruleset_reject,
    starting_point,
)
from spinepath.assessment.presentation import outcome_label
from spinepath.assessment.ruleset_impact import DEFAULT_LAST, LAST_CHOICES, decision_impact
from spinepath.clinical.governance import (
    differences,
    locked_because,
    setting_keys,
    settings_of,
    switchable_rules,
)
from spinepath.clinical.ruleset import UNVERIFIED, RuleSetConfig, threshold
from spinepath.lib.widgets import DateInput


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _clinic(request: HttpRequest, task: Task) -> Clinic:
    user = _user(request)
    ensure_may(user, task)
    if user.clinic is None:
        raise PermissionDenied("You are not a member of a clinic.")
    return user.clinic


def _field_name(key: str) -> str:
    return "setting__" + key.replace(".", "__")


class ProposalForm(forms.Form):
    """Every setting a clinic may change (starting at ``base``), the rules it may switch off,
    the effective date and the reason. The core decides whether the whole is acceptable."""

    off = forms.MultipleChoiceField(
        label="Rules switched off",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only these guideline cautions may be switched off. Red flags, absolute "
        "contraindications and safety rules always apply.",
    )
    effective_on = forms.DateField(
        label="Takes effect on",
        widget=DateInput(),
        help_text="From the start of this day once approved (or from the approval, if later).",
        error_messages={"required": "Give the date the new version is to take effect."},
    )
    reason = forms.CharField(
        label="Why the change",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown to the approving clinician and kept in the history and the audit log.",
    )
    last = forms.TypedChoiceField(
        label="Preview against",
        choices=[(n, f"the last {n} decisions") for n in LAST_CHOICES],
        coerce=int,
        initial=DEFAULT_LAST,
    )

    def __init__(self, *args: Any, base: RuleSetConfig, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["off"].choices = [(r.code, r.title) for r in switchable_rules()]
        self.fields["off"].initial = list(base.disabled_rules)
        self.setting_fields: list[str] = []
        for key, value in settings_of(base).items():
            if locked_because(key) is not None:
                continue
            words = threshold(key)
            kind = forms.IntegerField if isinstance(value, int) else forms.FloatField
            name = _field_name(key)
            self.fields[name] = kind(
                label=words.label,
                initial=value,
                help_text=f"{words.unit + '; ' if words.unit else ''}now {value:g}"
                + (f" ({UNVERIFIED[key]})" if key in UNVERIFIED else ""),
                error_messages={"required": f"Give a value for “{words.label}”."},
            )
            self.setting_fields.append(name)
        self.keys = {_field_name(key): key for key in setting_keys(base)}

    def values(self) -> dict[str, Any]:
        return {self.keys[name]: self.cleaned_data[name] for name in self.setting_fields}

    def settings(self) -> list[forms.BoundField]:
        return [self[name] for name in self.setting_fields]


def _locked_rows(config: RuleSetConfig) -> list[dict[str, str]]:
    rows = []
    for key, value in settings_of(config).items():
        why = locked_because(key)
        if why is not None:
            words = threshold(key)
            rows.append({"label": words.label, "value": words.describe(value), "why": why})
    return rows


def _impact_context(
    request: HttpRequest, clinic: Clinic, current: RuleSetConfig, proposed: RuleSetConfig, last: int
) -> dict[str, Any]:
    found = decision_impact(request, clinic, current, proposed, last=last)
    rows = [
        {
            "decision": change.key,
            "patient": change.key.assessment.episode.patient,
            "before": outcome_label(change.before),
            "after": outcome_label(change.after),
            "outcome_changes": change.outcome_changes,
            "added": change.added,
            "removed": change.removed,
        }
        for change in found.changed
    ]
    return {"impact": found, "impact_rows": rows}


@login_required
def rulesets(request: HttpRequest) -> HttpResponse:
    """Every version of the clinic's rule set: who proposed and approved it, when, why, and
    what it changed from the version before."""
    clinic = _clinic(request, Task.RULESETS)
    user = _user(request)
    now = timezone.now()
    versions = list(
        clinic.ruleset_versions.select_related("proposed_by", "decided_by").order_by("number")
    )
    before = clinic.settings_ruleset()
    rows = []
    for row in versions:
        config = row.config()
        rows.append({"row": row, "changes": differences(before, config)})
        if row.status == RuleSetVersion.Status.APPROVED:
            before = config
    rows.reverse()
    in_force = RuleSetVersion.in_force(clinic, now)
    context = {
        "clinic": clinic,
        "rows": rows,
        "in_force": in_force,
        "in_force_label": clinic.ruleset(at=now).label,
        "now": now,
        "pending": open_proposal(clinic),
        "may_propose": may(user, Task.RULESET_PROPOSE),
        "may_choose_leads": may(user, Task.CLINICAL_LEADS),
    }
    return render(request, "assessment/rulesets.html", context)


@login_required
def ruleset_propose_page(request: HttpRequest) -> HttpResponse:
    """A clinical lead's proposal: change settings, switch rules off, preview, then propose."""
    clinic = _clinic(request, Task.RULESET_PROPOSE)
    user = _user(request)
    base = starting_point(clinic)
    form = ProposalForm(
        request.POST or None,
        base=base,
        initial={"effective_on": timezone.localdate(), "last": DEFAULT_LAST},
    )
    context: dict[str, Any] = {
        "form": form,
        "base": base,
        "locked": _locked_rows(base),
        "pending": open_proposal(clinic),
    }
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        at = timezone.now()
        try:
            if "propose" in request.POST:
                row = ruleset_propose(
                    request,
                    clinic=clinic,
                    by=user,
                    values=form.values(),
                    disabled_rules=data["off"],
                    effective_on=data["effective_on"],
                    reason=data["reason"],
                    at=at,
                )
                messages.success(
                    request,
                    f"Version {row.version} is proposed: a second clinician of the clinic must "
                    "approve it before it takes effect.",
                )
                return redirect("ruleset_detail", number=row.number)
            draft = ruleset_draft(
                clinic,
                values=form.values(),
                disabled_rules=data["off"],
                effective_on=data["effective_on"],
                at=at,
            )
        except RuleSetRefused as refused:
            for problem in refused.problems:
                form.add_error(None, problem)
        else:
            context["changes"] = draft.changes
            context.update(_impact_context(request, clinic, draft.base, draft.config, data["last"]))
    return render(request, "assessment/ruleset_propose.html", context)


def _version(request: HttpRequest, number: int) -> RuleSetVersion:
    clinic = _clinic(request, Task.RULESETS)
    row = (
        RuleSetVersion.objects.select_related("clinic", "proposed_by", "decided_by")
        .filter(clinic=clinic, number=number)
        .first()
    )
    if row is None:
        raise Http404("No such rule-set version in your clinic.")
    return row


@login_required
def ruleset_detail(request: HttpRequest, number: int) -> HttpResponse:
    """One version: what it changes, who proposed it and why, and, while it waits, its impact
    on the clinic's recent decisions and the approval form."""
    row = _version(request, number)
    user = _user(request)
    before = previous_config(row)
    config = row.config()
    context: dict[str, Any] = {
        "row": row,
        "changes": differences(before, config),
        "may_decide": may(user, Task.RULESET_APPROVE),
        "is_proposer": user.pk == row.proposed_by_id,
        "last_choices": LAST_CHOICES,
    }
    if row.status == RuleSetVersion.Status.PROPOSED and user.may_see_patients:
        try:
            last = int(request.GET.get("last", DEFAULT_LAST))
        except ValueError:
            last = DEFAULT_LAST
        last = last if last in LAST_CHOICES else DEFAULT_LAST
        context["last"] = last
        context.update(_impact_context(request, row.clinic, before, config, last))
    return render(request, "assessment/ruleset_detail.html", context)


@require_POST
@login_required
def ruleset_decide(request: HttpRequest, number: int) -> HttpResponse:
    """Approve (a second clinician) or reject (with a reason) a proposed version."""
    row = _version(request, number)
    user = _user(request)
    note = request.POST.get("note", "")
    try:
        if request.POST.get("action") == "approve":
            row = ruleset_approve(request, row, by=user, note=note)
            messages.success(
                request,
                f"Version {row.version} is approved; it takes effect "
                f"{timezone.localtime(row.effective_at):%-d %B %Y at %H:%M}.",
            )
        elif request.POST.get("action") == "reject":
            ruleset_reject(request, row, by=user, reason=note)
            messages.success(request, f"Version {row.version} is rejected.")
        else:
            messages.error(request, "Choose to approve or to reject the version.")
    except RuleSetRefused as refused:
        for problem in refused.problems:
            messages.error(request, problem)
    return redirect("ruleset_detail", number=row.number)


@login_required
def clinical_leads(request: HttpRequest) -> HttpResponse:
    """The clinic administrator chooses which clinicians are clinical leads."""
    clinic = _clinic(request, Task.CLINICAL_LEADS)
    user = _user(request)
    if request.method == "POST":
        given = request.POST.get("staff", "")
        staff = (
            User.objects.filter(clinic=clinic, pk=int(given)).first() if given.isdigit() else None
        )
        if staff is None:
            raise Http404("No such member of staff in your clinic.")
        lead = request.POST.get("lead") == "yes"
        try:
            clinical_lead_set(request, staff, by=user, lead=lead)
        except RuleSetRefused as refused:
            for problem in refused.problems:
                messages.error(request, problem)
        else:
            messages.success(
                request,
                f"{staff.display_name} is {'now' if lead else 'no longer'} a clinical lead.",
            )
        return redirect("clinical_leads")
    clinicians = User.objects.filter(clinic=clinic, role=Role.CLINICIAN, is_active=True).order_by(
        "last_name", "first_name", "username"
    )
    return render(request, "assessment/clinical_leads.html", {"clinicians": clinicians})
