"""Forms for fund pages; they parse input only, the rules live in funds.services."""

import copy

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.utils.html import escape

from funds.models import FIELD_FIGURES, SUMMARY_MAX_CHARS, GranteeReport, Round
from funds.selectors import round_rubric_locked_reason
from funds.services import LOCKED_AFTER_OPEN, ROUND_FIELDS
from networks.models import Member
from weaver.lib.limits import capped


class FundForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, validators=capped("Description")
    )


class RoundForm(forms.ModelForm):
    criteria = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label="Rubric",
        help_text="One criterion a line: name | weight | what a good score means. Each is scored 1 to 5.",
    )

    class Meta:
        model = Round
        fields = [*ROUND_FIELDS, "override_reason"]
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}),
            "closes_on": forms.DateInput(attrs={"type": "date"}),
            "review_deadline": forms.DateInput(attrs={"type": "date"}),
            "sharing_session_on": forms.DateInput(attrs={"type": "date"}),
            "focus": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for figure in FIELD_FIGURES:
            field = self.fields[figure.field]
            field.help_text = " ".join(filter(None, [str(field.help_text), f"Usually {figure.usual}."]))
        reason = self.fields["override_reason"]
        reason.widget = forms.Textarea(attrs={"rows": 2})
        reason.help_text = (
            "Only when a setting is outside the usual figures above: say why this round needs it. "
            "It is shown on the round's page."
        )

    def criteria_list(self) -> list[dict]:
        rows = []
        for line in (self.cleaned_data.get("criteria") or "").splitlines():
            parts = [p.strip() for p in line.split("|", 2)]
            if parts and parts[0]:
                rows.append(
                    {
                        "name": parts[0],
                        "weight": parts[1] if len(parts) > 1 and parts[1] else "1",
                        "description": parts[2] if len(parts) > 2 else "",
                    }
                )
        return rows


def rubric_text(criteria) -> str:
    """The rubric as RoundForm's criteria field reads it: name | weight | description, one a line."""
    lines = []
    for c in criteria:
        parts = [c.name, f"{c.weight.normalize():f}"]
        if c.description:
            parts.append(" ".join(c.description.split()))
        lines.append(" | ".join(parts))
    return "\n".join(lines)


class RoundEditForm(RoundForm):
    """A round's settings; what is fixed by now (LOCKED_AFTER_OPEN, the rubric in review) is read-only."""

    def __init__(self, *args, round: Round, **kwargs):
        # A copy: validating the form writes into its instance, and the page still shows the saved round.
        super().__init__(*args, instance=copy.copy(round), **kwargs)
        self.fields["criteria"].initial = rubric_text(round.criteria.all())
        if round.status != Round.Status.DRAFT:
            for name in LOCKED_AFTER_OPEN:
                self.fields[name].disabled = True
                self.fields[name].help_text = "Fixed since the round opened: proposals are judged by it."
        self.rubric_locked = round_rubric_locked_reason(round)
        if self.rubric_locked:
            self.fields["criteria"].disabled = True
            self.fields["criteria"].help_text = self.rubric_locked

    def round_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "criteria" and not self.fields[k].disabled}

    def criteria_or_none(self) -> list[dict] | None:
        """The rubric to set, or None to leave it as it is."""
        if self.fields["criteria"].disabled or "criteria" not in self.changed_data:
            return None
        return self.criteria_list()


class ProposalForm(forms.Form):
    title = forms.CharField(max_length=200)
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=SUMMARY_MAX_CHARS,
        required=False,
        help_text=f"What you will do, with whom, and why it is new. At most {SUMMARY_MAX_CHARS} characters.",
    )
    amount = forms.DecimalField(
        max_digits=12, decimal_places=2, required=False, label="Amount asked for", help_text="No cents."
    )
    lead = forms.ModelChoiceField(queryset=Member.objects.none(), required=False, help_text="Who leads it.")
    partners = forms.ModelMultipleChoiceField(
        queryset=Member.objects.none(),
        required=False,
        label="Partner organisations already in the network",
        widget=forms.CheckboxSelectMultiple,
    )
    new_partners = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Partner organisations new to the network",
        help_text="One name a line. They are welcome: new organisations count as partners too.",
    )
    is_new_project = forms.BooleanField(
        required=False, label="This is a new project (not one already running)"
    )

    def __init__(self, *args, network, **kwargs):
        super().__init__(*args, **kwargs)
        members = Member.objects.filter(network=network).active()
        self.fields["lead"].queryset = members.people()
        self.fields["partners"].queryset = members.organisations()

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        new = [line.strip() for line in (data.get("new_partners") or "").splitlines() if line.strip()]
        return {
            "title": data["title"],
            "summary": data.get("summary") or "",
            "amount": data.get("amount"),
            "lead": data.get("lead"),
            "is_new_project": data.get("is_new_project", False),
            "partners": [*data.get("partners", []), *new],
        }


class ReviewForm(forms.Form):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, validators=capped("Comment")
    )
    shareable = forms.BooleanField(
        required=False, label="The applicants may read this comment after the decision"
    )

    def __init__(self, *args, criteria, read_only=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for c in self.criteria:
            self.fields[f"score_{c.pk}"] = forms.TypedChoiceField(
                label=f"{c.name} (weight {c.weight.normalize():f})",
                # Crispy and Django print help_text as HTML; the description is the coordinator's text.
                help_text=escape(c.description),
                choices=[(i, str(i)) for i in range(1, 6)],
                coerce=int,
                widget=forms.RadioSelect,
            )
        self.read_only = read_only
        for field in self.fields.values():
            field.disabled = read_only

        scores = [f"score_{c.pk}" for c in self.criteria]
        # The scores are the review; the comment explains them, so it comes after.
        self.order_fields([*scores, "comment", "shareable"])
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(*(InlineRadios(name) for name in scores), "comment", "shareable")

    def scores(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"score_{c.pk}"] for c in self.criteria}


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), validators=capped("Reason"))


class AwardForm(forms.Form):
    amount = forms.DecimalField(max_digits=12, decimal_places=2)


class TransitionForm(forms.Form):
    status = forms.ChoiceField(choices=Round.Status.choices)


class ReviewerAddForm(forms.Form):
    person = forms.ModelChoiceField(queryset=Member.objects.none(), help_text="People with a login only.")
    is_guardian = forms.BooleanField(required=False, label="Guardian")

    def __init__(self, *args, network, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = (
            Member.objects.filter(network=network, user__isnull=False)
            .people()
            .active()
            .select_related("user")
        )


class ReportForm(forms.ModelForm):
    class Meta:
        model = GranteeReport
        fields = ["kind", "spent", "done", "learned", "people_involved"]
        widgets = {"done": forms.Textarea(attrs={"rows": 3}), "learned": forms.Textarea(attrs={"rows": 3})}


class DesignGroupForm(forms.Form):
    members = forms.ModelMultipleChoiceField(
        queryset=Member.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Design group",
        help_text="The people who shape this round. They may not apply to it.",
    )

    def __init__(self, *args, network, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = Member.objects.filter(network=network).people().active()


class AssignmentAddForm(forms.Form):
    reviewer = forms.ModelChoiceField(queryset=None, widget=forms.Select(attrs={"class": "form-select"}))
    proposal = forms.ModelChoiceField(queryset=None, widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, round, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = round.reviewers.select_related("member", "user")
        self.fields["proposal"].queryset = round.proposals.filter(status="submitted")


class ReviewLoadForm(forms.Form):
    """Reviews per proposal (r) and most proposals per reviewer (k), to preview or to save on the round."""

    reviews_per_proposal = forms.IntegerField(
        min_value=1, max_value=1000, required=False, label="Reviews per proposal"
    )
    max_per_reviewer = forms.IntegerField(
        min_value=1, max_value=1000, required=False, label="Most per reviewer"
    )

    def round_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v is not None}


class SignUpForm(forms.Form):
    name = forms.CharField(max_length=200, label="Your name", help_text="As the network should know you.")
    username = forms.CharField(max_length=150, help_text="Letters, digits and @ . + - _ only.")
    email = forms.EmailField(label="E-mail address")
    password = forms.CharField(
        widget=forms.PasswordInput, help_text="At least 8 characters, not a common one."
    )
    password_again = forms.CharField(widget=forms.PasswordInput, label="Password again")

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        return data
