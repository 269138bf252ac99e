"""``python -m balletmirror`` = the ``balletmirror`` command."""

from .cli import main

main()
