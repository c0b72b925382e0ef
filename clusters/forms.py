"""Page forms for learning clusters. They only parse input: the rules are in clusters/services.py."""

from django import forms
from django.contrib.auth import get_user_model

from clusters.models import ClusterSession, FollowUp, LearningCluster, PeerAssist
from networks.forms import DATE_INPUT, split_tags
from networks.models import Member, Network, Role, Tag
from networks.selectors import role_holders
from weaver.lib import limits
from weaver.lib.limits import capped


def _people(network: Network):
    return Member.objects.filter(network=network).active().people().order_by("name")


def _cluster_people(cluster: LearningCluster):
    return _people(cluster.network).filter(cluster_memberships__cluster=cluster)


class ClusterForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(
        label="Purpose",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=capped("Purpose"),
        help_text="What the cluster wants to learn together, in a few sentences.",
    )
    strategy_tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.none(),
        required=False,
        label="Strategies",
        help_text="The member tags that name the strategy; candidates are organisations with these tags.",
    )
    facilitators = forms.ModelMultipleChoiceField(queryset=get_user_model().objects.none(), required=False)
    starts_on = forms.DateField(required=False, widget=DATE_INPUT)
    ends_on = forms.DateField(required=False, widget=DATE_INPUT)
    status = forms.ChoiceField(choices=LearningCluster.Status.choices, initial=LearningCluster.Status.FORMING)
    learning_ties_enabled = forms.BooleanField(
        required=False,
        initial=True,
        label="Show who meets on the network map",
        help_text="Attending a session together creates or strengthens a 'learning' tie between people.",
    )

    def __init__(self, *args, network: Network, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["strategy_tags"].queryset = Tag.objects.filter(network=network)
        # Only the network's facilitators: roles are given on the access page, not here.
        self.fields["facilitators"].queryset = role_holders(network=network, role=Role.FACILITATOR)

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["strategy_tags"] = [t.name for t in data["strategy_tags"]]
        return data


class CandidatePickForm(forms.Form):
    """The organisations a facilitator picked from the proposed candidates."""

    organisations = forms.ModelMultipleChoiceField(
        queryset=Member.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, network: Network, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = (
            Member.objects.filter(network=network).active().organisations()
        )


class ProjectForm(forms.Form):
    project_name = forms.CharField(max_length=200, label="Local project")
    community = forms.CharField(max_length=120, required=False)


class PersonForm(forms.Form):
    person = forms.ModelChoiceField(queryset=Member.objects.none())
    participant = forms.ModelChoiceField(queryset=None, required=False, label="On behalf of")

    def __init__(self, *args, cluster: LearningCluster, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = _people(cluster.network)
        self.fields["participant"].queryset = cluster.participants.select_related("organisation")


class SessionForm(forms.Form):
    title = forms.CharField(max_length=200, required=False)
    starts_at = forms.DateTimeField(
        label="Date and time",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    duration_minutes = forms.IntegerField(
        min_value=1, max_value=24 * 60, initial=90, label="Length (minutes)"
    )
    mode = forms.ChoiceField(choices=ClusterSession.Mode.choices)
    location = forms.CharField(max_length=255, required=False, help_text="For a session in person.")
    link = forms.URLField(
        required=False, assume_scheme="https", help_text="Video call link, for a virtual session."
    )
    agenda = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), validators=capped("Agenda", limits.NOTES)
    )
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), validators=capped("Notes", limits.NOTES)
    )


class PeerAssistForm(forms.Form):
    presenter = forms.ModelChoiceField(queryset=None, label="Presenting project")
    challenge = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), validators=capped("Challenge"))
    assisting = forms.ModelMultipleChoiceField(
        queryset=Member.objects.none(),
        required=False,
        label="Assisting group",
        help_text="5 to 12 people work best.",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, cluster: LearningCluster, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["presenter"].queryset = cluster.participants.select_related("organisation")
        self.fields["assisting"].queryset = _cluster_people(cluster)


class CaptureForm(forms.Form):
    """One quick line captured during a live peer assist: a question, advice or a follow-up."""

    kind = forms.ChoiceField(
        choices=[("question", "Question"), ("advice", "Advice"), ("follow_up", "Follow-up")]
    )
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), validators=capped("Text"))
    by = forms.ModelChoiceField(queryset=Member.objects.none(), required=False, label="Who")
    due_on = forms.DateField(required=False, widget=DATE_INPUT, label="Due")

    def __init__(self, *args, cluster: LearningCluster, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["by"].queryset = _cluster_people(cluster)


class FollowUpStatusForm(forms.Form):
    status = forms.ChoiceField(choices=FollowUp.Status.choices)


class AttendanceForm(forms.Form):
    present = forms.ModelMultipleChoiceField(queryset=Member.objects.none(), required=False)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = people


class LessonForm(forms.Form):
    text = forms.CharField(
        label="Lesson", widget=forms.Textarea(attrs={"rows": 2}), validators=capped("Lesson")
    )
    tags = forms.CharField(required=False, help_text="Separated by commas.")
    peer_assist = forms.ModelChoiceField(queryset=None, required=False, label="From the peer assist")

    def __init__(self, *args, cluster: LearningCluster, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["peer_assist"].queryset = cluster_peer_assists(cluster)

    def service_kwargs(self) -> dict:
        return {**self.cleaned_data, "tags": split_tags(self.cleaned_data["tags"])}


def cluster_peer_assists(cluster: LearningCluster):
    return PeerAssist.objects.filter(session__cluster=cluster).select_related("presenter__organisation")
