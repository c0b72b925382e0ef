"""Wiring: the selectors whose items make up the network home's "Your next steps" panel."""

SELECTORS = [
    "networks.selectors.next_steps",
    "funds.selectors.next_steps",
    "clusters.selectors.next_steps",
]
