from django import forms

from multiscale.models import Prospect, Sharing
from networks.models import Member, Network


class ProspectForm(forms.ModelForm):
    class Meta:
        model = Prospect
        fields = ["kind", "name", "email", "why", "reached_by", "identified_on", "notes"]
        widgets = {"identified_on": forms.DateInput(attrs={"type": "date"})}
        labels = {"why": "Why we want them"}

    def __init__(self, *args, network: Network, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reached_by"].queryset = Member.objects.active().filter(network=network)
        self.fields["reached_by"].label = "Who reaches out"


class ProspectMoveForm(forms.Form):
    status = forms.ChoiceField(
        choices=[c for c in Prospect.Status.choices if c[0] != Prospect.Status.JOINED], label="Move to"
    )
    note = forms.CharField(max_length=500, required=False)


class JoinRequestForm(forms.Form):
    meta = forms.SlugField(label="The meta-network's slug")
    sharing = forms.ChoiceField(choices=Sharing.choices, label="What we share")


class InviteForm(forms.Form):
    local = forms.SlugField(label="The network's slug")
    sharing = forms.ChoiceField(choices=Sharing.choices, label="What we ask them to share")


class SharingForm(forms.Form):
    sharing = forms.ChoiceField(choices=Sharing.choices, label="What we share")
