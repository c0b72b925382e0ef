"""List filters shared by the pages and the API (one way to filter members)."""

import django_filters
from django.db.models import Q

from networks.models import Member, Relationship


class MemberFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    kind = django_filters.ChoiceFilter(choices=Member.Kind.choices, label="Type")
    community = django_filters.CharFilter(field_name="community", lookup_expr="iexact")
    tag = django_filters.CharFilter(field_name="tags__name", lookup_expr="iexact", distinct=True)
    archived = django_filters.BooleanFilter(field_name="archived_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Member
        fields = ["q", "kind", "community", "tag", "archived"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        found = Q(name__icontains=value) | Q(description__icontains=value)
        # Searching addresses one cannot read would reveal them a letter at a time.
        if getattr(self.request, "sees_contacts", False):
            found |= Q(email__icontains=value)
        return queryset.filter(found)


class RelationshipFilter(django_filters.FilterSet):
    member = django_filters.NumberFilter(method="involving", label="Member id")
    kind = django_filters.CharFilter(field_name="kind", lookup_expr="iexact", label="Type")
    provenance = django_filters.ChoiceFilter(choices=Relationship.Provenance.choices)
    active = django_filters.BooleanFilter(field_name="ended_on", lookup_expr="isnull")

    class Meta:
        model = Relationship
        fields = ["member", "kind", "provenance", "active"]

    def involving(self, queryset, name, value):
        value = int(value)
        if not -(2**63) <= value < 2**63:
            # Foreign-key lookups do not guard the column's range: the database would raise.
            return queryset.none()
        return queryset.filter(Q(source_id=value) | Q(target_id=value))
