"""Flash backends: ``RamFlash`` (unit tests) and ``FileFlash`` (simulator, fsync'd image file).

Both enforce the ``hal.ports.Flash`` contract through ``CheckedFlash`` in
``hal.flash.contract``; import each backend from its own module.
"""
