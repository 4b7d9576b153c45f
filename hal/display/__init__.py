"""Display backends: ``FakeDisplay``, ``SimDisplay``, ``Hd44780Display`` (PCF8574 I2C backpack).

Every backend fits text with ``hal.display.text``; each backend is imported
from its own module (``hal.display.hd44780`` runs on MicroPython, so this
package imports nothing).
"""
