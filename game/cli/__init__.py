"""Layer 5: the command line (``python run.py ...``). ``main`` holds the commands, ``tournament`` the tournament command."""
