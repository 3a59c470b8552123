"""Child processes that end with the process that started them.

A server started for someone (the explorer's `streamlit run` under `lineage explore`, a test's
Neo4j) must not outlive them: a CI runner that kills `lineage` by its id would otherwise leave the
server holding its port and the database file. Linux can send the child a signal when its parent
dies, even by SIGKILL (`prctl(PR_SET_PDEATHSIG)`); that is set here, in the forked child just
before it runs the server.
"""

from __future__ import annotations

import ctypes
import os
import signal
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1


def die_with_parent(sig: signal.Signals = signal.SIGTERM) -> Callable[[], None]:
    """A `preexec_fn` for `subprocess.Popen`: the child gets `sig` when the calling process dies.

    The kernel ties the signal to the thread that forks, so call `Popen` from a thread that lives
    as long as the child should (the main thread).

    Example:
        subprocess.Popen(command, preexec_fn=die_with_parent())
    """
    parent = os.getpid()

    def preexec() -> None:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, sig)
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(1)

    return preexec
