"""Course content a facilitator edits (content/FORMAT.md): checked with file:line messages."""
