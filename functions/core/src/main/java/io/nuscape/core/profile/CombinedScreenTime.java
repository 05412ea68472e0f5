package io.nuscape.core.profile;

import io.nuscape.core.rollup.Presence;
import io.nuscape.core.usage.Buckets;
import io.nuscape.core.usage.UsageReader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * A profile's screen time per bucket, from presence ({@link Presence}): {@code combined_ms}, the time any of
 * its devices was in use, counting time when several were at once only once (the union of their cells),
 * and {@code sum_ms}, each device's time in use added up. Both are counted in the same 15-second cells,
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
        List<UUID> devices = profile.get().deviceIds();
        long[] combined = new long[buckets.size()];
        long[] sums = new long[buckets.size()];
        if (!devices.isEmpty()) {
            long from = Math.floorDiv(buckets.first().toEpochMilli(), Presence.SLOT_MILLIS) * Presence.SLOT_MILLIS;
            long to = buckets.last().toEpochMilli();
            for (UsageReader.PresenceSlot slot : reader.presence(accountId, devices, kind, Instant.ofEpochMilli(from), Instant.ofEpochMilli(to),
                    splitSlots(buckets, from, to))) {
                count(buckets, slot, combined, sums);
            }
        }
        List<Point> points = new ArrayList<>(buckets.size());
        for (int i = 0; i < buckets.size(); i++) {
            points.add(new Point(buckets.start(i), combined[i] * Presence.CELL_MILLIS, sums[i] * Presence.CELL_MILLIS));
        }
        return Optional.of(points);
    }

    /** The hours of [from, to) not wholly inside one bucket: a bucket edge splits them, or they reach outside the buckets. */
    static Set<Instant> splitSlots(Buckets buckets, long from, long to) {
        Set<Instant> out = new HashSet<>();
        for (long slot = from; slot < to; slot += Presence.SLOT_MILLIS) {
            if (!wholeIn(buckets, slot)) {
                out.add(Instant.ofEpochMilli(slot));
            }
        }
        return out;
    }

    private static boolean wholeIn(Buckets buckets, long slot) {
        int i = buckets.indexOf(slot);
        return i >= 0 && buckets.end(i).toEpochMilli() >= slot + Presence.SLOT_MILLIS;
    }

    /** Adds the slot's cells to the buckets holding them; a cell belongs to the bucket holding its start. */
    private static void count(Buckets buckets, UsageReader.PresenceSlot slot, long[] combined, long[] sums) {
        long start = slot.slotStart().toEpochMilli();
        if (wholeIn(buckets, start)) {
            int i = buckets.indexOf(start); // the usual case: the whole hour in one bucket
            combined[i] += Presence.count(slot.union(), 0, Presence.CELLS);
            sums[i] += slot.deviceCells();
            return;
        }
        if (slot.devices().isEmpty()) {
            throw new IllegalStateException("presence of a split hour came without its devices' cells: " + slot.slotStart());
        }
        addCells(buckets, start, slot.union(), combined);
        for (long[] device : slot.devices()) {
            addCells(buckets, start, device, sums);
        }
    }

    private static void addCells(Buckets buckets, long slotStart, long[] cells, long[] counts) {
        for (int c = 0; c < Presence.CELLS; c++) {
            if (Presence.isSet(cells, c)) {
                int b = buckets.indexOf(slotStart + c * Presence.CELL_MILLIS);
                if (b >= 0) {
                    counts[b]++;
                }
            }
        }
    }
}
