"""The ``helpwire`` console script: Django's command line with Helpwire's settings.

``helpwire run``, ``web``, ``worker``, ``demo``, ``agent`` and ``token`` are management
commands of Helpwire's apps; every Django command (``migrate``, ``shell``…) works too.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpwire.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["helpwire", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
