"""Keypad backends: ``FakeKeypad``, ``SimKeypad`` (UI-fed queue), ``MatrixKeypad`` (key matrix).

Each lives in its own module; ``hal.keypad.matrix`` runs on MicroPython too,
so this package imports nothing.
"""
