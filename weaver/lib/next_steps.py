"""The "Your next steps" panel: each app contributes a `next_steps(*, user, network)` selector.

The network's home lists what each app says is waiting for this user; `networks` never imports the
other apps, it asks this registry, whose list of selectors is wired in `weaver/next_steps.py`.
"""

from dataclasses import dataclass
from datetime import date
from functools import cache

from django.utils.module_loading import import_string

# Single items listed per kind (the count says how many there are in all).
NEXT_STEPS_LISTED = 5

# Sections in the order the panel shows them.
ROLE_TITLES = {
    "coordinator": "To run the network",
    "reviewer": "Reviews",
    "facilitator": "Clusters you facilitate",
    "member": "Yours",
}


@dataclass(frozen=True)
class NextStep:
    """One waiting thing: how many are left (None when it is a single dated item) and where it is done."""

    role: str
    label: str
    url: str
    count: int | None = None
    due: date | None = None
    detail: str = ""


@cache
def _selectors():
    from weaver.next_steps import SELECTORS

    return [import_string(path) for path in SELECTORS]


def next_steps_for(*, user, network) -> list[tuple[str, list[NextStep]]]:
    """Every app's waiting items for this user in this network, grouped by role in the panel's order."""
    steps: list[NextStep] = []
    for selector in _selectors():
        steps.extend(selector(user=user, network=network))
    return [
        (title, [step for step in steps if step.role == role])
        for role, title in ROLE_TITLES.items()
        if any(step.role == role for step in steps)
    ]
