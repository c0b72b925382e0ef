import json

from django.core.management.base import BaseCommand, CommandError

from networks.models import Network, Snapshot
from networks.snapshots import NetworkBusy, snapshot_compute, snapshot_export


class Command(BaseCommand):
    help = "Compute a metrics snapshot of a network now (synchronously) and print its summary."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the network's slug")
        parser.add_argument("--json", action="store_true", help="print the snapshot as one JSON object")

    def handle(self, *args, slug: str, **options):
        network = Network.objects.filter(slug=slug).first()
        if network is None:
            raise CommandError(f"No network with slug {slug!r}.")
        # A snapshot already waiting for a worker is computed here instead (a worker finding it
        # done later leaves it as it is).
        snapshot = Snapshot.objects.filter(network=network, status=Snapshot.Status.QUEUED).first()
        if snapshot is None:
            snapshot = Snapshot.objects.create(network=network, trigger=Snapshot.Trigger.COMMAND)
        try:
            snapshot = snapshot_compute(snapshot_id=snapshot.pk)
        except NetworkBusy:
            raise CommandError(
                f"A worker is computing {network.name} right now; try again when it has finished."
            ) from None
        if snapshot.status != Snapshot.Status.DONE:
            raise CommandError(f"Snapshot #{snapshot.pk} failed: {snapshot.error}")
        if options["json"]:
            self.stdout.write(_dumps(snapshot_export(snapshot)))
            return
        f = snapshot.figures
        lines = [
            f"Snapshot #{snapshot.pk} of {network.name} ({snapshot.method.get('betweenness')} betweenness)",
            f"  members {f['members']}, ties {f['ties']}, density {f['density']:.4f}",
            f"  components {f['components']} (largest holds {f['largest_component_share']:.0%})",
            f"  average clustering {f['average_clustering']:.3f}, transitivity {f['transitivity']:.3f}",
            f"  triangles {f['triangles']}, open triads {f['open_triads']}, "
            f"unclosed pairs {f['unclosed_pairs']}",
            f"  communities {f['communities']}, bridges {f['bridges']}, gatekeepers {f['gatekeepers']}",
            f"  share in the periphery {f['periphery_share']:.0%}",
            f"  {len(snapshot.suggestions)} suggestions; "
            f"computed in {snapshot.timings.get('total', 0):.2f} s",
        ]
        self.stdout.write("\n".join(lines))


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=False, default=str)
