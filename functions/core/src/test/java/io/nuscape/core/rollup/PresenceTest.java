package io.nuscape.core.rollup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.core.event.UsageEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Presence cells against a brute force: every cell midpoint checked against every event. */
class PresenceTest {
    static final UUID ACCOUNT = new UUID(1, 1);
    static final UUID DEVICE = new UUID(2, 2);
    static final long T0 = 1_763_900_000_000L / 86_400_000L * 86_400_000L; // a UTC day's start

    static DrainEvent event(long ts, long duration) {
        return event(DEVICE, "screen", ts, duration);
    }

    static DrainEvent event(UUID device, String kind, long ts, long duration) {
        return new DrainEvent(ACCOUNT, device, ts, 1, new UsageEvent(UUID.randomUUID().toString(), ts, kind, "on", duration));
    }

    /** The global cell numbers set, brute force: a cell is set when some event's [ts, ts + duration) holds its midpoint. */
    static TreeSet<Long> bruteForce(List<DrainEvent> events) {
        TreeSet<Long> cells = new TreeSet<>();
        for (DrainEvent e : events) {
            long from = Math.floorDiv(e.event().tsMillis(), 15_000) - 1;
            long to = Math.floorDiv(e.event().tsMillis() + e.event().durationMs(), 15_000) + 1;
            for (long c = from; c <= to; c++) {
                long mid = c * 15_000 + 7_500;
                if (mid >= e.event().tsMillis() && mid < e.event().tsMillis() + e.event().durationMs()) {
                    cells.add(c);
                }
            }
        }
        return cells;
    }

    static TreeSet<Long> cellsOf(List<Presence.Row> rows) {
        TreeSet<Long> out = new TreeSet<>();
        for (Presence.Row r : rows) {
            for (int i = 0; i < Presence.CELLS; i++) {
                if (Presence.isSet(r.cells(), i)) {
                    out.add(r.slotStartMillis() / 15_000 + i);
                }
            }
        }
        return out;
    }

    @Test
    void randomEventsSetExactlyTheCellsWhoseMidpointsTheyCover() {
        Random rnd = new Random(11);
        for (int round = 0; round < 300; round++) {
            List<DrainEvent> events = new ArrayList<>();
            for (int i = 0, n = 1 + rnd.nextInt(6); i < n; i++) {
                long ts = T0 - 3_600_000L + rnd.nextInt(4 * 3_600_000) + (rnd.nextBoolean() ? 0 : 86_400_000L - 2 * 3_600_000L);
                long duration = switch (rnd.nextInt(4)) {
                    case 0 -> 0;
                    case 1 -> rnd.nextInt(20_000);
                    case 2 -> rnd.nextInt(7_200_000);
                    default -> 15_000L * rnd.nextInt(300);
                };
                events.add(event(ts, duration));
            }
            assertEquals(bruteForce(events), cellsOf(Presence.of(events)), "round " + round);
        }
    }

    @Test
    void aDayLongEventFillsEveryCellOfTheDaysItCovers() {
        List<Presence.Row> whole = Presence.of(List.of(event(T0, 86_400_000L)));
        assertEquals(1, whole.size());
        assertEquals(5_760, Presence.count(whole.get(0).cells(), 0, Presence.CELLS));
        assertEquals("f".repeat(1_440), whole.get(0).hex());
        List<Presence.Row> across = Presence.of(List.of(event(T0 + 43_200_000L, 86_400_000L)));
        assertEquals(2, across.size(), "noon to noon: two days' rows");
        assertEquals(2_880, Presence.count(across.get(0).cells(), 0, Presence.CELLS));
        assertEquals(2_880, Presence.count(across.get(1).cells(), 0, Presence.CELLS));
    }

    @Test
    void edgesRoundToTheNearestCellMidpointAndShortEventsCanSetNone() {
        // [T0 + 7.5 s, T0 + 22.5 s) holds the midpoint of cell 0 (7.5 s) but not cell 1's (22.5 s).
        assertEquals(ints(0), cellsIn(Presence.of(List.of(event(T0 + 7_500, 15_000)))));
        assertEquals(ints(), cellsIn(Presence.of(List.of(event(T0 + 7_501, 14_998)))));
        assertEquals(ints(0), cellsIn(Presence.of(List.of(event(T0, 7_501)))));
        assertEquals(ints(), cellsIn(Presence.of(List.of(event(T0, 7_500)))));
    }

    private static TreeSet<Integer> cellsIn(List<Presence.Row> rows) {
        TreeSet<Integer> out = new TreeSet<>();
        for (long c : cellsOf(rows)) {
            out.add((int) (c - T0 / 15_000));
        }
        return out;
    }

    private static TreeSet<Integer> ints(Integer... v) {
        return new TreeSet<>(List.of(v));
    }

    @Test
    void rowsMergePerDeviceKindAndHourAndSortInLockOrder() {
        UUID other = new UUID(2, 1);
        List<Presence.Row> rows = Presence.of(List.of(event(T0 + 60_000, 60_000), event(T0 + 600_000, 60_000), event(other, "screen", T0, 30_000),
                event(DEVICE, "app", T0, 30_000), event(T0 + 86_390_000, 20_000)));
        assertEquals(4, rows.size(), "device/screen on T0's day merged; app separate; other device separate; the next day separate");
        for (int i = 1; i < rows.size(); i++) {
            assertTrue(rows.get(i - 1).compareTo(rows.get(i)) < 0);
        }
        assertEquals("app", rows.get(0).kind());
        Presence.Row merged = rows.stream().filter(r -> r.deviceId().equals(DEVICE) && r.kind().equals("screen") && r.slotStartMillis() == T0)
                .findFirst().orElseThrow();
        assertEquals(4 + 4 + 1, Presence.count(merged.cells(), 0, Presence.CELLS), "two minutes and the 10 s before the day's end");
    }

    @Test
    void hexHoldsCellZeroFirst() {
        long[] bits = new long[90];
        Presence.set(bits, 0, 1);
        Presence.set(bits, 5_759, 5_760);
        String hex = Presence.hex(bits);
        assertEquals(1_440, hex.length());
        assertEquals('8', hex.charAt(0));
        assertEquals('1', hex.charAt(1_439));
        assertEquals(2, Presence.count(bits, 0, Presence.CELLS));
        assertEquals(1, Presence.count(bits, 1, Presence.CELLS));
    }
}
