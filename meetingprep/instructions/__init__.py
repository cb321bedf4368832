"""Leaders' instructions (领导批示) on tasks and documents, and 督办 (supervised tasks)."""
