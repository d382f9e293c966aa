"""The Space's fair share, applied to the queue: demo previews render on the Space's own CPU, so every visitor's
queue runner takes its turn in the same line as the Create page's previews (``FairShare``: a few slots, first
come first served). A visitor's runner holds one slot for one take, then gives it back and joins the end of the
line, so one visitor's 20 queued takes never starve another's.
"""

from __future__ import annotations

from .state import FairShare


class ShareGate:
    """One visitor's place in the fair share's line, as the queue runner asks for it (``Runner(gate=...)``)."""

    def __init__(self, share: FairShare, token: str) -> None:
        self.share, self.token = share, token
        self.in_line = self.holding = False

    def my_turn(self) -> bool:
        """Join the line if not in it yet; True once a slot is this visitor's (then hold it for one take)."""
        share = self.share
        with share.lock:
            if self.holding:
                return True
            if self.in_line and self.token not in share.waiting:  # a preview's ``leave`` took this place too
                self.in_line = False
            if not self.in_line:
                if share.busy(self.token):  # their own preview from Create holds the visitor's turn
                    return False
                share.join(self.token)
                self.in_line = True
            if share.ahead(self.token) is not None:
                return False
            self.in_line, self.holding = False, True
            return True

    def give_back(self) -> None:
        """The take ended (or there was none to claim): the slot, or the place in line, is free for others."""
        with self.share.lock:
            if self.holding or self.in_line:
                self.share.leave(self.token)
            self.in_line = self.holding = False
