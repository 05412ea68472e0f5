package io.nuscape.core.usage;

import io.nuscape.core.rollup.Granularity;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A dashboard question, already validated: one account, a time range (buckets starting in
 * {@code [from floored to the granularity, to)}), a granularity, and optional filters: a kind, a key, a
 * device, a set of devices (a profile's, as assigned when asked) and a set of keys (a category's).
 */
public record UsageQuery(UUID accountId, Instant from, Instant to, Granularity granularity, Optional<String> kind,
                         Optional<String> key, Optional<UUID> deviceId, Optional<List<UUID>> devices, Optional<List<KindKey>> keys) {

    /** A key of a kind, as rollups hold them. */
    public record KindKey(String kind, String key) {
    }

    /** Without a profile or a key set: every device, or the one named. */
    public UsageQuery(UUID accountId, Instant from, Instant to, Granularity granularity, Optional<String> kind, Optional<String> key,
                      Optional<UUID> deviceId) {
        this(accountId, from, to, granularity, kind, key, deviceId, Optional.empty(), Optional.empty());
    }

    /** The same question for only these keys (those of a category, say). */
    public UsageQuery onlyKeys(List<KindKey> wanted) {
        return new UsageQuery(accountId, from, to, granularity, kind, key, deviceId, devices, Optional.of(List.copyOf(wanted)));
    }
}
