package io.nuscape.core.profile;

import io.nuscape.core.rollup.Presence;
import io.nuscape.core.usage.Buckets;
import io.nuscape.core.usage.UsageReader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A profile's screen time per bucket, from presence ({@link Presence}): {@code combined_ms}, the time any of
 * its devices was in use, counting time when several were at once only once (the union of their cells),
 * and {@code sum_ms}, each device's time in use added up. The buckets are cut into the parts of the UTC
 * days they cover, and the database counts each part's cells, so only counts travel. Both are counted in the same 15-second cells,
 * so they are equal when one device was used at a time and the combined time never exceeds the sum. The
 * devices are the profile's as assigned now, so a move applies to history.
 */
public final class CombinedScreenTime {
    private final ProfileStore profiles;
    private final UsageReader reader;

    public CombinedScreenTime(ProfileStore profiles, UsageReader reader) {
        this.profiles = profiles;
        this.reader = reader;
    }

    /** One bucket's figures. */
    public record Point(Instant bucketStart, long combinedMs, long sumMs) {
    }

    /** The profile's screen time in the buckets, or empty when the account has no such profile. */
    public Optional<List<Point>> of(UUID accountId, UUID profileId, String kind, Buckets buckets) throws Exception {
        Optional<Profile> profile = profiles.profile(accountId, profileId);
        if (profile.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(forDevices(accountId, profile.get().deviceIds(), kind, buckets));
    }

    /** The devices' screen time in the buckets (one device: its own time in use, combined and summed alike). */
    public List<Point> forDevices(UUID accountId, List<UUID> devices, String kind, Buckets buckets) throws Exception {
        long[] combined = new long[buckets.size()];
        long[] sums = new long[buckets.size()];
        if (!devices.isEmpty()) {
            List<Segment> segments = segments(buckets);
            List<UsageReader.PresenceCount> counts = reader.presence(accountId, devices, kind,
                    segments.stream().map(Segment::cells).toList());
            for (int i = 0; i < segments.size(); i++) {
                combined[segments.get(i).bucket()] += counts.get(i).unionCells();
                sums[segments.get(i).bucket()] += counts.get(i).deviceCells();
            }
        }
        List<Point> points = new ArrayList<>(buckets.size());
        for (int i = 0; i < buckets.size(); i++) {
            points.add(new Point(buckets.start(i), combined[i] * Presence.CELL_MILLIS, sums[i] * Presence.CELL_MILLIS));
        }
        return points;
    }

    /** A part of a presence row that lies in one bucket. */
    record Segment(UsageReader.PresenceSegment cells, int bucket) {
    }

    /**
     * The buckets cut into the presence rows (UTC days) they overlap, in order: a New York day is the end of one
     * UTC day and the start of the next, a 5-minute bucket 20 cells of one. A cell belongs to the bucket holding
     * its start.
     */
    static List<Segment> segments(Buckets buckets) {
        List<Segment> out = new ArrayList<>();
        long first = buckets.first().toEpochMilli();
        long last = buckets.last().toEpochMilli();
        for (long slot = Math.floorDiv(first, Presence.SLOT_MILLIS) * Presence.SLOT_MILLIS; slot < last; slot += Presence.SLOT_MILLIS) {
            int cell = cellAtOrAfter(Math.max(first, slot), slot);
            int end = cellAtOrAfter(Math.min(last, slot + Presence.SLOT_MILLIS), slot);
            while (cell < end) {
                int bucket = buckets.indexOf(slot + cell * Presence.CELL_MILLIS);
                int upTo = Math.min(end, cellAtOrAfter(buckets.end(bucket).toEpochMilli(), slot));
                out.add(new Segment(new UsageReader.PresenceSegment(Instant.ofEpochMilli(slot), cell, upTo - cell), bucket));
                cell = upTo;
            }
        }
        return out;
    }

    /** The first cell of the slot starting at or after the instant. */
    private static int cellAtOrAfter(long instant, long slot) {
        return (int) Math.ceilDiv(instant - slot, Presence.CELL_MILLIS);
    }
}
