"""Removable storage backends (port: ``hal.ports.RemovableStorage``); import each from its module.

``DirectoryStorage`` (``hal.storage.directory``): a directory, the mount
point of a USB stick on the terminal, ``<data_dir>/usb/`` in the simulator.
``FakeStorage`` (``hal.storage.fake``): in memory, for tests.
"""
