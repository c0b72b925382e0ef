"""The e-mails networks send, rendered from templates/networks/emails/ (console backend by default)."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from networks.models import Network, Role
from weaver.lib.urls import absolute_url


def access_invitation(*, account, network: Network, inviter=None) -> EmailMessage:
    """The e-mail telling someone they can now use Weaver for this network (with a link to set a password)."""
    if account.has_usable_password():
        link = absolute_url("networks:network-detail", slug=network.slug)
    else:
        link = absolute_url(
            "password_reset_confirm",
            uidb64=urlsafe_base64_encode(force_bytes(account.pk)),
            token=default_token_generator.make_token(account),
        )
    body = render_to_string(
        "networks/emails/access_invitation.txt",
        {
            "account": account,
            "network": network,
            "inviter": inviter,
            "link": link,
            "roles": sorted(
                Role(r).label for r in network.roles.filter(user=account).values_list("role", flat=True)
            ),
        },
    )
    return EmailMessage(
        subject=f"You have been given access to {network.name} on Weaver",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[account.email],
    )
