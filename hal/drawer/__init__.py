"""Cash-drawer backends: ``FakeCashDrawer``, ``SimCashDrawer``, ``GpioCashDrawer`` (gpiozero).

Each is imported from its own module; nothing here imports gpiozero.
"""
