#!/usr/bin/env python3
"""Entry point: ``python run.py`` opens the game; ``python run.py --help`` lists the commands."""

import sys

from game.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
