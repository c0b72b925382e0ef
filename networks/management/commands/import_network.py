from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from networks.importing import (
    SourceFile,
    bad_rows_message,
    import_run,
    max_upload_bytes,
    read_files,
    too_large_message,
)
from networks.models import Network
from networks.services import network_get_or_create

PLACEHOLDER_PURPOSE = "Imported network: the coordinator should write its common purpose here."


class Command(BaseCommand):
    help = (
        "Import members and ties from a Kumu-style .xlsx (sheets Elements and Connections) or a members "
        "CSV and a ties CSV into the network SLUG, creating it if it is new. A file with bad rows "
        "writes nothing and exits with status 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--dry-run", action="store_true", help="Show what would change; write nothing.")
        parser.add_argument("--user", help="Username recorded as the author of the changes.")

    def handle(self, *args, slug, files, dry_run, user=None, **options):
        acting_user = None
        if user:
            acting_user = get_user_model().objects.filter(username=user).first()
            if acting_user is None:
                raise CommandError(f"No user called {user!r}.")
        sources = []
        for name in files:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"No such file: {name}")
            size = path.stat().st_size
            if size > max_upload_bytes():
                raise CommandError(too_large_message(path.name, size))
            sources.append(SourceFile(name=path.name, content=path.read_bytes()))
        read = read_files(sources)

        name = slug.replace("-", " ").title()
        try:
            with transaction.atomic():
                if dry_run:
                    network = Network.objects.filter(slug=slug).first()
                    is_new = network is None
                    if is_new:
                        network = Network(name=name, slug=slug, purpose=PLACEHOLDER_PURPOSE)
                else:
                    # Several imports may create the same new network at once: one creates, the rest join.
                    network, is_new = network_get_or_create(
                        user=acting_user, slug=slug, name=name, purpose=PLACEHOLDER_PURPOSE
                    )
                plan = import_run(user=acting_user, network=network, read=read, dry_run=dry_run)
                if not plan.is_valid:
                    transaction.set_rollback(True)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None

        counts = plan.counts()
        verb = "would be" if dry_run or not plan.is_valid else "were"
        for what in ("members", "ties"):
            c = counts[what]
            self.stdout.write(
                f"{what.title()}: {c['create']} {verb} created, {c['update']} {verb} updated, "
                f"{c['unchanged']} unchanged."
            )
        if plan.archived:
            self.stdout.write(plan.archived_note)
        if not plan.is_valid:
            self.stderr.write(f"{len(plan.bad_rows)} bad rows:")
            for bad in plan.bad_rows:
                self.stderr.write(f"  {bad}")
            raise CommandError(bad_rows_message(len(plan.bad_rows)))
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
        elif is_new and plan.is_valid:
            self.stdout.write(
                self.style.WARNING(
                    f"Created the network {network.slug!r}: edit its purpose, a placeholder for now."
                )
            )
        if not dry_run:
            self.stdout.write(self.style.SUCCESS(f"Imported into {network.slug}."))
