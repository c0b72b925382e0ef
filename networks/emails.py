"""The e-mails networks send, rendered from templates/networks/emails/ (console backend by default)."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from networks.models import AccessInvitation
from weaver.lib.urls import absolute_url


def access_invitation(*, invitation: AccessInvitation) -> EmailMessage:
    """The e-mail inviting someone to a network, with the link that accepts (the same whether or not they
    already have a login: the page behind the link tells them what to do)."""
    body = render_to_string(
        "networks/emails/access_invitation.txt",
        {
            "invitation": invitation,
            "network": invitation.network,
            "name": invitation.member.name,
            "inviter": invitation.created_by,
            "link": absolute_url("invitation-accept", token=invitation.token),
            "roles": invitation.role_labels,
        },
    )
    return EmailMessage(
        subject=f"You are invited to {invitation.network.name} on Weaver",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
    )
