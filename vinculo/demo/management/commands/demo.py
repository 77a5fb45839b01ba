"""`vinculo demo`: fill an empty installation with realistic, valid, deterministic data."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from vinculo.customers.models import Customer
from vinculo.demo.load import run


class Command(BaseCommand):
    help = (
        "Create demo staff, customers (Brazil, Portugal, Spain) and two years of history. "
        "The same --seed always gives the same content. Sets above 2,000 customers are "
        "bulk-loaded (no per-row audit entries or outbox events)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=300, help="how many (default 300)")
        parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when customers already exist"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["customers"] < 0:
            self.stderr.write("--customers must be zero or more")
            raise SystemExit(2)
        if options["if_empty"] and Customer.objects.exists():
            self.stdout.write("Customers already exist: demo data not created.")
            return
        result = run(customers=options["customers"], seed=options["seed"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data created in {result.seconds:.1f} s: {result.customers} customers "
                f"({result.organizations} organizations), {result.interactions} interactions, "
                f"{result.tasks} tasks{' (bulk load)' if result.bulk else ''}."
            )
        )
        self.stdout.write("Demo staff: " + ", ".join(result.staff))
        if result.password:
            self.stdout.write(f"Demo password (all of them): {result.password}")
        else:
            self.stdout.write(
                "The demo staff existed before; their password was not changed "
                "(reset it with `vinculo changepassword <username>`)."
            )
