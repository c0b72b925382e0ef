"""Survey forms: they parse input; the rules live in surveys/services.py."""

import re

from django import forms
from django.core.exceptions import ValidationError

from networks.models import Member, Tag
from surveys.models import HEALTH_AREAS, TRUST_FIELDS, VALUE_FIELDS, Campaign, Nomination, Question
from surveys.services import Answers, NamedContact

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TARGET = re.compile(r"^([mp])([0-9]{1,12})$")


class CampaignForm(forms.Form):
    title = forms.CharField(max_length=200)
    intro = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    consent_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        initial="I agree that my answers are stored and used by the network's coordinators to map the "
        "network. I can withdraw them at any time while the survey is open.",
    )
    opens_at = forms.DateTimeField(widget=DATETIME_INPUT)
    closes_at = forms.DateTimeField(widget=DATETIME_INPUT)
    visibility = forms.ChoiceField(
        choices=Campaign.Visibility.choices, initial=Campaign.Visibility.COORDINATORS
    )
    standard_questions = forms.MultipleChoiceField(
        choices=[(c.value, c.label) for c in Question.Standard if c != Question.Standard.CUSTOM],
        widget=forms.CheckboxSelectMultiple,
        initial=["work", "advice", "energy"],
        required=False,
        label="Questions",
    )
    custom_question = forms.CharField(
        max_length=300, required=False, label="A question of your own (optional)"
    )
    custom_tie_kind = forms.CharField(max_length=60, required=False, label="Type of the ties it creates")
    ask_trust_value = forms.BooleanField(
        required=False, initial=True, label="Ask trust and value ratings (1–4)"
    )
    ask_health = forms.BooleanField(
        required=False, initial=True, label="Ask the network health self-assessment"
    )
    remind_days_before = forms.IntegerField(
        min_value=0,
        max_value=90,
        required=False,
        initial=3,
        label="Remind those who have not answered, days before closing",
    )

    def clean(self):
        data = super().clean()
        if bool(data.get("custom_question")) != bool(data.get("custom_tie_kind")):
            raise ValidationError(
                "A question of your own needs both its text and the type of ties it creates."
            )
        return data

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        text, kind = data.pop("custom_question"), data.pop("custom_tie_kind")
        data["custom_questions"] = [(text, kind)] if text else []
        return data


class InviteForm(forms.Form):
    who = forms.ChoiceField(
        choices=[("all", "Everyone in the network (people)"), ("tag", "People with a tag")]
    )
    tag = forms.ModelChoiceField(queryset=Tag.objects.none(), required=False)

    def __init__(self, *args, network, **kwargs):
        super().__init__(*args, **kwargs)
        self.network = network
        self.fields["tag"].queryset = Tag.objects.filter(network=network)

    def members(self):
        people = Member.objects.active().people().filter(network=self.network)
        if self.cleaned_data["who"] == "tag":
            if not self.cleaned_data.get("tag"):
                raise ValidationError("Choose a tag.")
            people = people.filter(tags=self.cleaned_data["tag"])
        return list(people)


class PendingDecisionForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", "Approve"), ("merge", "Merge"), ("reject", "Reject")])
    member = forms.ModelChoiceField(queryset=Member.objects.none(), required=False)

    def __init__(self, *args, network, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = Member.objects.active().filter(network=network)


class PendingForm(forms.Form):
    name = forms.CharField(max_length=200)
    email = forms.EmailField(required=False)
    organisation = forms.CharField(max_length=200, required=False)


def _int(raw, label: str) -> int | None:
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ValidationError(f"{label} must be a whole number.") from None


def parse_answers(data, *, campaign: Campaign) -> Answers:
    """The answer page's fields as Answers: `q<id>` lists `m<member>`/`p<pending>`, then per person
    `q<id>-<target>-strength|frequency|trust_…|value_…`, and `health_<area>` (+ `_comment`)."""
    answers = Answers()
    rating_fields = TRUST_FIELDS + VALUE_FIELDS if campaign.ask_trust_value else ()
    for question in campaign.questions.all():
        named = []
        for target in data.getlist(f"q{question.pk}"):
            match = TARGET.match(target or "")
            if match is None:
                raise ValidationError("Someone named is not a member of this network.")
            prefix = f"q{question.pk}-{target}-"
            strength = _int(data.get(prefix + "strength"), "Strength")
            named.append(
                NamedContact(
                    member_id=int(match[2]) if match[1] == "m" else None,
                    pending_id=int(match[2]) if match[1] == "p" else None,
                    frequency=data.get(prefix + "frequency") or Nomination.Frequency.MONTHLY,
                    strength=3 if strength is None else strength,
                    ratings={name: _int(data.get(prefix + name), "A rating") for name in rating_fields},
                )
            )
        answers.named[question.pk] = named
    if campaign.ask_health:
        for area, label in HEALTH_AREAS:
            answers.health[area] = _int(data.get(f"health_{area}"), label)
            answers.health_comments[area] = (data.get(f"health_{area}_comment") or "").strip()
    return answers
