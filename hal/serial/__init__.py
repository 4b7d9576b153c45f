"""Serial-link backends: ``PySerialLink`` (pyserial, any URL) and ``FakeSerialLink`` (in memory)."""
