"""Clock backends: ``SystemClock`` (the host's or the Pi's RTC-backed clock) and ``FakeClock``."""
