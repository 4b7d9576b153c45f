"""Printer backends: ``FakePrinter``, ``SimPrinter``, ``EscposPrinter`` (python-escpos).

Each is imported from its own module; nothing here imports python-escpos,
whose import costs ~300 ms.
"""
