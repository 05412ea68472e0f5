package io.nuscape.core.usage;

import io.nuscape.core.rollup.Granularity;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * A dashboard question, already validated: one account, a time range (buckets starting in
 * {@code [from floored to the granularity, to)}), a granularity, and optional filters.
 */
public record UsageQuery(UUID accountId, Instant from, Instant to, Granularity granularity, Optional<String> kind,
                         Optional<String> key, Optional<UUID> deviceId, Optional<UUID> profileId) {

    /** Without a profile: every device, or the one named. */
    public UsageQuery(UUID accountId, Instant from, Instant to, Granularity granularity, Optional<String> kind, Optional<String> key,
                      Optional<UUID> deviceId) {
        this(accountId, from, to, granularity, kind, key, deviceId, Optional.empty());
    }
}
