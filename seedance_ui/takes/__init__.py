"""Takes: everything that happens to a take once it is asked for, and the work built from takes.

- ``states``: the take's states as one type, with the named sets the product asks about;
- ``ledger``: the state machine that owns the money line (every state change, ``settle`` as a table);
- ``take_run``: one take from its submit to a saved video, reconciliation after a lost answer;
- ``upscale_run``: an upscale of a saved take, journaled and carried like any take;
- ``storyboard``, ``board_run``, ``film``: a board of shots, rendered in order, joined into a film;
- ``levels``, ``queue_store``, ``queue_runner``, ``paced_start``, ``batch``: the queue, kept in the journal and paced
  by the account's level, and the batches that fill it.

Nothing here imports the Session: work run for a visitor reaches it through ``door.VisitorDoor``.
"""
