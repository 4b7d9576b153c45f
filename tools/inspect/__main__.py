"""``python -m tools.inspect``: same as the ``fiscal-inspect`` command."""

import sys

from tools.inspect.cli import main

sys.exit(main())
