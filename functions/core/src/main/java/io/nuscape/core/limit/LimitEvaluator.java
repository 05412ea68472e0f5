package io.nuscape.core.limit;

import io.nuscape.core.category.CategoryUsage;
import io.nuscape.core.profile.CombinedScreenTime;
import io.nuscape.core.profile.ProfileStore;
import io.nuscape.core.usage.Buckets;
import io.nuscape.core.usage.Step;
import io.nuscape.core.usage.UsageQuery;
import io.nuscape.core.usage.UsageReader;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * How much of a limit a day has used. A limit on {@code all} counts time in use of kind {@code screen} from
 * presence: a profile's combined time (devices used at once count once), a device's own. A category or a key
 * counts the rollups' durations of the devices' keys, added up. The devices are the profile's as assigned now.
 */
public final class LimitEvaluator {
    /** The kind whose presence a limit on everything counts. */
    public static final String SCREEN = "screen";

    private final ProfileStore profiles;
    private final CombinedScreenTime screenTime;
    private final UsageReader reader;
    private final CategoryUsage categories;

    public LimitEvaluator(ProfileStore profiles, CombinedScreenTime screenTime, UsageReader reader, CategoryUsage categories) {
        this.profiles = profiles;
        this.screenTime = screenTime;
        this.reader = reader;
        this.categories = categories;
    }

    /** The limit's status on the day of its zone holding {@code now}. */
    public LimitStatus status(Limit limit, Instant now) throws Exception {
        return status(limit, LocalDate.ofInstant(now, limit.zone()));
    }

    /** A limit, a day of its zone, and the limit's devices as read for it ({@link #devices}). */
    public record LimitDay(Limit limit, LocalDate day, List<UUID> devices) {
    }

    /**
     * The statuses of many limits and days, in the order asked: limits on a key in one read per rollup table
     * (an evaluator round reaches thousands of them), the others one by one.
     */
    public List<LimitStatus> statuses(List<LimitDay> asked) throws Exception {
        LimitStatus[] out = new LimitStatus[asked.size()];
        List<UsageReader.KeyDurationAsk> keyAsks = new java.util.ArrayList<>();
        List<Integer> keyIndexes = new java.util.ArrayList<>();
        for (int i = 0; i < asked.size(); i++) {
            LimitDay ld = asked.get(i);
            if (ld.limit().target() instanceof LimitTarget.Key k) {
                List<UUID> devices = ld.devices();
                if (devices.isEmpty()) {
                    out[i] = LimitStatus.of(ld.limit(), ld.day(), 0);
                    continue;
                }
                Buckets whole = day(ld.limit(), ld.day());
                keyAsks.add(new UsageReader.KeyDurationAsk(ld.limit().accountId(), devices, k.kind(), k.key(), whole.first(), whole.last(),
                        whole.coarsestExactRollup()));
                keyIndexes.add(i);
            } else {
                out[i] = status(ld.limit(), ld.day());
            }
        }
        if (!keyAsks.isEmpty()) {
            long[] used = reader.keyDurations(keyAsks);
            for (int j = 0; j < used.length; j++) {
                LimitDay ld = asked.get(keyIndexes.get(j));
                out[keyIndexes.get(j)] = LimitStatus.of(ld.limit(), ld.day(), used[j]);
            }
        }
        return List.of(out);
    }

    private static Buckets day(Limit limit, LocalDate day) {
        Instant from = day.atStartOfDay(limit.zone()).toInstant();
        Instant to = day.plusDays(1).atStartOfDay(limit.zone()).toInstant();
        return Buckets.of(from, to, Step.DAY, limit.zone(), 1);
    }

    /** The limit's status on a day of its zone (23 or 25 hours long across a daylight-saving change). */
    public LimitStatus status(Limit limit, LocalDate day) throws Exception {
        Buckets whole = day(limit, day);
        List<UUID> devices = devices(limit);
        long used = 0;
        if (!devices.isEmpty()) {
            used = switch (limit.target()) {
                case LimitTarget.All all -> screenTime.forDevices(limit.accountId(), devices, SCREEN, whole).get(0).combinedMs();
                case LimitTarget.Category c -> categories.totalInCategory(query(limit, whole, devices, Optional.empty(), Optional.empty()), c.name());
                case LimitTarget.Key k -> {
                    long sum = 0;
                    for (UsageReader.KeyTotal t : reader.totals(query(limit, whole, devices, Optional.of(k.kind()), Optional.of(k.key())))) {
                        sum += t.durationMs();
                    }
                    yield sum;
                }
            };
        }
        return LimitStatus.of(limit, day, used);
    }

    /** The limit's devices: its own, or its profile's as assigned now. */
    public List<UUID> devices(Limit limit) throws Exception {
        if (limit.deviceId() != null) {
            return List.of(limit.deviceId());
        }
        return profiles.profile(limit.accountId(), limit.profileId()).map(p -> p.deviceIds()).orElse(List.of());
    }

    private static UsageQuery query(Limit limit, Buckets day, List<UUID> devices, Optional<String> kind, Optional<String> key) {
        return new UsageQuery(limit.accountId(), day.first(), day.last(), day.coarsestExactRollup(), kind, key, Optional.empty(),
                Optional.of(devices), Optional.empty());
    }
}
