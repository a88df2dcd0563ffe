"""The lowest floor every part imports downward: settings, logging set-up, the SQLite
connection, heartbeats and child processes. Imports nothing of tenderwatch's own."""
