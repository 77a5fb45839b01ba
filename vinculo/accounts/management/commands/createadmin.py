"""`vinculo createadmin`: the first administrator, with a random password kept in the data dir.

The password file (VINCULO_HOME/admin_password, mode 600) lets `--print` show the
credentials again on later runs; an existing password is only replaced with `--reset`.
accounts.services needs an administrator as actor, which does not exist yet when this
runs, so the account is written through core.persistence directly, with the same audit
entry (actor: system) and the same password mask the services use.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from vinculo.accounts.models import LoginFailure, Role, User
from vinculo.accounts.services import PASSWORD_MASK
from vinculo.core import persistence
from vinculo.core.context import channel

PASSWORD_FILE = "admin_password"


def password_path() -> Path:
    return Path(settings.VINCULO_HOME) / PASSWORD_FILE


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read, replacing any previous one atomically."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def read_stored() -> dict[str, str]:
    """{"username": …, "password": …} from the password file, or {} if absent or unreadable."""
    try:
        data = json.loads(password_path().read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class Command(BaseCommand):
    help = (
        "Create an active administrator with a random strong password, stored in "
        "VINCULO_HOME/admin_password (readable by its owner only)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin", help="default: admin")
        parser.add_argument("--email", default="", help="the administrator's email")
        parser.add_argument(
            "--print", action="store_true", dest="print_", help="show the credentials"
        )
        parser.add_argument(
            "--reset", action="store_true", help="give an existing account a new password"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"].strip()
        if not username:
            raise CommandError("--username must not be empty")
        user = User.objects.filter(username=username).first()
        if user is not None and not options["reset"]:
            self.stdout.write(f"Administrator “{username}” already exists.")
            if options["print_"]:
                self._print_stored(user)
            return
        password = secrets.token_urlsafe(18)
        role = Role.objects.filter(code=Role.ADMINISTRATOR).first()
        if role is None:
            raise CommandError("The administrator role is missing: run `vinculo migrate` first.")
        with channel("cli"), transaction.atomic():
            if user is None:
                user = User(
                    username=username,
                    email=options["email"],
                    role=role,
                    is_active=True,
                    is_staff=True,
                    is_superuser=True,
                )
                user.set_password(password)
                persistence.create(user, actor=None)
                verb = "created"
            else:
                # A reset also reopens a locked-out account: active, administrator again.
                user.set_password(password)
                user.is_active = True
                user.is_superuser = user.is_staff = True
                user.role = role
                if options["email"]:
                    user.email = options["email"]
                persistence.update(
                    user,
                    actor=None,
                    expected_version=None,
                    related_changes={"password": [PASSWORD_MASK, PASSWORD_MASK]},
                )
                LoginFailure.objects.filter(username=username).delete()
                verb = "given a new password"
            write_private(
                password_path(), json.dumps({"username": username, "password": password}) + "\n"
            )
        self.stdout.write(self.style.SUCCESS(f"Administrator “{username}” {verb}."))
        self._print(username, password)

    def _print_stored(self, user: Any) -> None:
        stored = read_stored()
        if stored.get("username") != user.username or not stored.get("password"):
            self.stdout.write(
                f"Its password is not stored in {password_path()}; "
                "choose a new one with `vinculo createadmin --reset`."
            )
        elif not user.check_password(stored["password"]):
            self.stdout.write(
                f"The password stored in {password_path()} was changed since; "
                "choose a new one with `vinculo createadmin --reset`."
            )
        else:
            self._print(user.username, stored["password"])

    def _print(self, username: str, password: str) -> None:
        self.stdout.write(f"  username: {username}\n  password: {password}")
        self.stdout.write(f"  (kept in {password_path()})")
