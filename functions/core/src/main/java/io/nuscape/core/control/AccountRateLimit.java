package io.nuscape.core.control;

import java.util.UUID;

/** An account's ingest limit as its policy sets it; {@code null} events per minute: the platform default. */
public record AccountRateLimit(UUID accountId, Long eventsPerMinute) {
}
