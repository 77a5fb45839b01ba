"""The `vinculo` command: Django management plus serve/worker wrappers."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vinculo.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "vinculo"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
