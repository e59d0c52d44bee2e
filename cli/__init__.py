"""``python main.py COMMAND``: one module per group of commands, each adding its own to the parser."""
