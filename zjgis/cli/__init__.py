"""The ``zjgis`` command line: one module per subcommand group.

Every module in this package other than ``main`` defines
``register(subparsers) -> None``, which adds its subcommand(s) and sets
``func`` on the parser defaults.  ``main`` discovers them, so adding a command
means adding a module.  Commands are thin: parse, call one public function,
write through :mod:`zjgis.io`.
"""
