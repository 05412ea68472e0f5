package io.nuscape.drainer;

/**
 * What one drain cycle (or a whole run, summed) did. {@code stoppedBy} names why a run ended early:
 * {@code redis_unavailable} or {@code postgres_unavailable}; empty when it ran its time. {@code heavyChunks}
 * counts transactions spent on entries over the row budget, which are worked through between the others.
 */
public record CycleReport(int entries, int eventsCounted, int duplicates, int dropped, int deadLetters, long millis, String stoppedBy,
                          int heavyChunks) {
    public static final CycleReport EMPTY = new CycleReport(0, 0, 0, 0, 0, 0, "", 0);

    public CycleReport plus(CycleReport o) {
        return new CycleReport(entries + o.entries, eventsCounted + o.eventsCounted, duplicates + o.duplicates,
                dropped + o.dropped, deadLetters + o.deadLetters, millis + o.millis, o.stoppedBy.isEmpty() ? stoppedBy : o.stoppedBy,
                heavyChunks + o.heavyChunks);
    }

    public boolean idle() {
        return entries == 0 && deadLetters == 0 && heavyChunks == 0;
    }
}
