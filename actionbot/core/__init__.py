"""Pure domain logic: no I/O, no Matrix, no SQL, no clock (the time is passed in)."""
