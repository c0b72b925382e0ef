from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from networks.exporting import export_xlsx, export_zip
from networks.models import Network


class Command(BaseCommand):
    help = (
        "Export the network SLUG's active members and ties to OUTFILE: a Kumu-style workbook (.xlsx) "
        "or a .zip of the members and ties CSV files. import_network reads both back."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("outfile")

    def handle(self, *args, slug, outfile, **options):
        network = Network.objects.filter(slug=slug).first()
        if network is None:
            raise CommandError(f"No network with slug {slug!r}.")
        path = Path(outfile)
        if path.suffix.lower() == ".xlsx":
            content = export_xlsx(network=network)
        elif path.suffix.lower() == ".zip":
            content = export_zip(network=network)
        else:
            raise CommandError("OUTFILE must end in .xlsx (a workbook) or .zip (two CSV files).")
        path.write_bytes(content)
        self.stdout.write(self.style.SUCCESS(f"Wrote {path} ({len(content):,} bytes)."))
