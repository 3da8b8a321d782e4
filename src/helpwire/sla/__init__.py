"""Service levels [SL1–SL5]: policies, per-ticket clocks in working time, warnings and
breaches. ``clock`` is the arithmetic, pure and tested with hypothesis; the models, hooks
and timers that keep each ticket's clocks come with it (issue #13)."""
