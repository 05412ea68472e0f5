package io.nuscape.core.limit;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.UUID;

/**
 * A daily limit (CONTRACT.md "Limits, alerts, quotas"): on a profile or a device ({@code profileId} or
 * {@code deviceId}, never both), counting its target per calendar day of {@code zone}, with warnings the
 * given durations before the limit.
 */
public record Limit(UUID limitId, UUID accountId, UUID profileId, UUID deviceId, LimitTarget target, long dailyMs, ZoneId zone,
                    List<Long> warnBeforeMs, Instant createdAt, Instant updatedAt) {
    public Limit {
        if ((profileId == null) == (deviceId == null)) {
            throw new IllegalArgumentException("a limit is on a profile or on a device");
        }
        warnBeforeMs = List.copyOf(warnBeforeMs);
    }
}
