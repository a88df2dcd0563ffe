from tests.store.backends import osmem  # noqa: F401  (the emulator fixture, session-scoped)
