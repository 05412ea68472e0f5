package io.nuscape.core.limit;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import java.util.UUID;

/**
 * An alert raised (CONTRACT.md "Limits, alerts, quotas"): {@code limit.warning} (once a day per warning,
 * {@code thresholdMs} being its {@code warn_before_ms}) or {@code limit.exceeded} (once a day,
 * threshold 0), with the figures that raised it. Recorded before anything delivers it.
 */
public record Alert(UUID alertId, UUID accountId, UUID limitId, String type, LocalDate day, long thresholdMs, Instant raisedAt,
                    Map<String, Object> details) {
    public static final String LIMIT_WARNING = "limit.warning";
    public static final String LIMIT_EXCEEDED = "limit.exceeded";
}
