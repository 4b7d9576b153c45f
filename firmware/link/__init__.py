"""The inspection link: a read-only, sans-I/O protocol between the terminal and the inspector.

``framing`` (COBS + CRC-32 frames), ``codec`` and ``messages`` (the CBOR
messages), ``state`` (the transition tables), ``protocol`` (``Client`` and
``Server``), ``errors``; ``source`` and ``service`` serve it on the
terminal. docs/LINK.md describes every byte.
"""
