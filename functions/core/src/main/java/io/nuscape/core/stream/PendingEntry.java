package io.nuscape.core.stream;

/** An entry delivered but not acknowledged: how long it has waited and how often it was delivered. */
public record PendingEntry(String id, long idleMillis, long deliveries) {
}
