from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"

    def demo_seed(self, *, network, users, rng):
        """seed_demo calls this on every app that has it (networks does not import surveys)."""
        from surveys import demo

        return demo.seed(network=network, users=users, rng=rng)
