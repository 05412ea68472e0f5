package io.nuscape.core.rollup;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Presence: which 15-second cells of each UTC day a device was in use, per kind; what combined screen time
 * is counted from. A cell is set when an event covered the cell's midpoint, so the cells set by a union
 * of intervals are exactly the cells whose midpoints the union covers: the union's measure is counted
 * within 7.5 s at each of its edges, and exactly when edges fall on 15-second marks. Rows merge by bitwise
 * OR, which is idempotent: an event counted twice changes nothing.
 */
public final class Presence {
    /** The resolution. */
    public static final long CELL_MILLIS = 15_000;
    /**
     * One row's span: a UTC day (5 760 cells, 720 bytes). A day rather than an hour: a month of a profile's
     * presence is then 30 rows a device to read, not 720, and the drainer writes no more bytes for it (a
     * drain touches one row per device and day instead of one per device and hour).
     */
    public static final long SLOT_MILLIS = 86_400_000;
    public static final int CELLS = (int) (SLOT_MILLIS / CELL_MILLIS);
    private static final int WORDS = (CELLS + 63) / 64;

    private Presence() {
    }

    /**
     * One row's cells: a device's presence in one kind during one UTC day. Sorted by account, kind, day and
     * device for a steady write order; drainers never wait on each other's presence rows anyway, since the
     * transaction first locks the rows of the devices it writes for.
     */
    public record Row(UUID accountId, UUID deviceId, String kind, long slotStartMillis, long[] cells) implements Comparable<Row> {
        @Override
        public int compareTo(Row o) {
            int c = accountId.compareTo(o.accountId);
            if (c == 0) {
                c = kind.compareTo(o.kind);
            }
            if (c == 0) {
                c = Long.compare(slotStartMillis, o.slotStartMillis);
            }
            return c == 0 ? deviceId.compareTo(o.deviceId) : c;
        }

        /** The cells as a hexadecimal bit string, cell 0 first: the SQL form {@code ('x' || hex)::bit(5760)} reads. */
        public String hex() {
            return Presence.hex(cells);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Row r && accountId.equals(r.accountId) && deviceId.equals(r.deviceId) && kind.equals(r.kind)
                    && slotStartMillis == r.slotStartMillis && Arrays.equals(cells, r.cells);
        }

        @Override
        public int hashCode() {
            return (accountId.hashCode() * 31 + deviceId.hashCode()) * 31 + Long.hashCode(slotStartMillis);
        }
    }

    /** The rows the events set, merged per (account, device, kind, day) and sorted in lock order. */
    public static List<Row> of(List<DrainEvent> events) {
        Map<Slot, long[]> slots = new HashMap<>();
        for (DrainEvent e : events) {
            long start = e.event().tsMillis();
            long end = start + e.event().durationMs();
            // Cells whose midpoint lies in [start, end): c * CELL + CELL / 2 >= start and < end.
            long first = Math.ceilDiv(start - CELL_MILLIS / 2, CELL_MILLIS);
            long last = Math.ceilDiv(end - CELL_MILLIS / 2, CELL_MILLIS); // exclusive
            long c = first;
            while (c < last) {
                long slot = Math.floorDiv(c, CELLS);
                long slotEnd = Math.min(last, (slot + 1) * CELLS);
                long[] bits = slots.computeIfAbsent(new Slot(e.accountId(), e.deviceId(), e.event().kind(), slot * SLOT_MILLIS),
                        k -> new long[WORDS]);
                set(bits, (int) (c - slot * CELLS), (int) (slotEnd - slot * CELLS));
                c = slotEnd;
            }
        }
        List<Row> out = new ArrayList<>(slots.size());
        slots.forEach((k, bits) -> out.add(new Row(k.account, k.device, k.kind, k.start, bits)));
        out.sort(null);
        return out;
    }

    /** Sets cells [from, to) of one row. */
    static void set(long[] bits, int from, int to) {
        for (int i = from; i < to; ) {
            int word = i >>> 6;
            int upTo = Math.min(to, (word + 1) << 6);
            int n = upTo - i;
            long mask = n == 64 ? -1L : ((1L << n) - 1) << (i & 63);
            bits[word] |= mask;
            i = upTo;
        }
    }

    /** Whether cell {@code i} is set. */
    public static boolean isSet(long[] bits, int i) {
        return (bits[i >>> 6] & (1L << (i & 63))) != 0;
    }

    /** The cells set among [from, to). */
    public static int count(long[] bits, int from, int to) {
        int n = 0;
        for (int i = from; i < to; ) {
            int word = i >>> 6;
            int upTo = Math.min(to, (word + 1) << 6);
            int len = upTo - i;
            long mask = len == 64 ? -1L : ((1L << len) - 1) << (i & 63);
            n += Long.bitCount(bits[word] & mask);
            i = upTo;
        }
        return n;
    }

    static String hex(long[] bits) {
        char[] out = new char[CELLS / 4];
        for (int nibble = 0; nibble < out.length; nibble++) {
            int v = 0;
            for (int j = 0; j < 4; j++) {
                v = (v << 1) | (isSet(bits, nibble * 4 + j) ? 1 : 0);
            }
            out[nibble] = Character.forDigit(v, 16);
        }
        return new String(out);
    }

    private record Slot(UUID account, UUID device, String kind, long start) {
    }
}
