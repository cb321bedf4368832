"""Operations: server-side login sessions, health probes, backup and restore, the common-password
list and the scheduler heartbeat. The deployment guide is docs/deployment.md, operations docs/operations.md."""
