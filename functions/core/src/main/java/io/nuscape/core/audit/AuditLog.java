package io.nuscape.core.audit;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The audit log of an account. Stores record their own changes in the transaction that makes them; this
 * port reads the log. The Postgres adapter lives in {@code nuscape-postgres}.
 */
public interface AuditLog {
    /** Entries with {@code from <= at < to}, newest first, at most {@code limit}. */
    List<AuditEntry> entries(UUID accountId, Instant from, Instant to, int limit) throws Exception;
}
