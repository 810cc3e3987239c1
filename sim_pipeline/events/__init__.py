"""Events: outbox rows written in the change's transaction (outbox), exported exactly once to outbox/*.jsonl (relay)."""
