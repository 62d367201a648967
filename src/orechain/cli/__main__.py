"""``python -m orechain.cli``."""

from orechain.cli import main

main()
