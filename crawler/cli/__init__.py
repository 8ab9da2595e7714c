"""The command line: `pantau` and its subcommands (thin click commands)."""
