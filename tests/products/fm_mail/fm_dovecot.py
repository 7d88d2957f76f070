"""The throwaway Dovecot used by the FM Mail tests and the benchmark.

The launcher lives in ``sandbox/demo_mail/dovecot.py`` because the sandbox starts the same
server as its demo mailbox at run time (and must not import from ``tests/``).
"""

import sys
from pathlib import Path

# bench/mail_listing.py imports this module by path without the project root on sys.path.
_ROOT = str(Path(__file__).resolve().parents[3])
if _ROOT not in sys.path:
    sys.path.append(_ROOT)

from sandbox.demo_mail.dovecot import Dovecot, dovecot_binary  # noqa: E402

__all__ = ["Dovecot", "dovecot_binary"]
