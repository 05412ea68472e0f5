package io.nuscape.core.stream;

/**
 * One shard's backlog for {@code /metrics-lite} and alarms: entries not yet delivered, entries delivered
 * but not acknowledged, and the age of the oldest undelivered entry (0 when there is none).
 */
public record StreamStats(long undelivered, long pending, long lagMillis, long length) {
}
