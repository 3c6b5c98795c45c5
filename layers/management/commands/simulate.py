import time

from django.core.management.base import BaseCommand, CommandError

from layers.simulation import Simulator


class Command(BaseCommand):
    help = (
        "Live demo activity through the real services: N calls a minute (incidents, pranks, "
        "repeated calls), dispatches by drive time, units driving along roads, status changes "
        "and a camera going offline. Stops after --duration seconds (default: Ctrl-C)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rate", type=float, default=2.0, help="calls per minute (2)")
        parser.add_argument("--duration", type=float, default=None, help="seconds to run")
        parser.add_argument("--seed", type=int, default=None, help="random seed")
        parser.add_argument(
            "--speedup", type=float, default=3.0, help="drives and waits run N× faster (3)"
        )
        parser.add_argument("--tick", type=float, default=1.0, help="seconds per step (1)")

    def handle(self, *args, rate, duration, seed, speedup, tick, **options):
        if not 0 < rate <= 600:
            raise CommandError("--rate must be between 0 and 600 calls per minute")
        if duration is not None and duration <= 0:
            raise CommandError("--duration must be positive")
        if not 0.05 <= tick <= 10:
            raise CommandError("--tick must be between 0.05 and 10 seconds")
        sim = Simulator(rate, seed, speedup, log=lambda m: self.stderr.write(m))
        self.stdout.write(f"simulating {rate:g} calls/min (Ctrl-C stops)")
        started = time.monotonic()
        try:
            while duration is None or time.monotonic() - started < duration:
                t0 = time.monotonic()
                sim.step(tick)
                time.sleep(max(0.0, tick - (time.monotonic() - t0)))
        except KeyboardInterrupt:
            pass
        self.stdout.write(" ".join(f"{k}={v}" for k, v in sim.stats.items()))
