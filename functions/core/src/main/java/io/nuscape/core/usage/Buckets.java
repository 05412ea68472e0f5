package io.nuscape.core.usage;

import io.nuscape.core.rollup.Granularity;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The buckets of a range in a zone: consecutive, each starting at a step boundary of the zone's clock (the
 * first holds {@code from}, the last holds the instant before {@code to}). Minutes and hours are of fixed
 * length and aligned to the zone's local clock (an hour of Asia/Kolkata starts at :30 UTC); days and weeks
 * are the zone's calendar days and ISO weeks, so 23 or 25 hours long across daylight-saving changes.
 */
public final class Buckets {
    private static final DateTimeFormatter RFC3339 = DateTimeFormatter.ISO_OFFSET_DATE_TIME;

    private final ZoneId zone;
    private final Step step;
    private final long[] edges; // epoch ms; bucket i is [edges[i], edges[i + 1])

    private Buckets(ZoneId zone, Step step, long[] edges) {
        this.zone = zone;
        this.step = step;
        this.edges = edges;
    }

    /** The buckets of [from, to); at most {@code maxBuckets}, else {@link TooManyBucketsException}. */
    public static Buckets of(Instant from, Instant to, Step step, ZoneId zone, int maxBuckets) {
        if (!to.isAfter(from)) {
            throw new IllegalArgumentException("to must be after from");
        }
        List<Long> out = new ArrayList<>();
        long start = startOf(from.toEpochMilli(), step, zone);
        out.add(start);
        long end = to.toEpochMilli();
        while (start < end) {
            start = next(start, step, zone);
            out.add(start);
            if (out.size() > maxBuckets + 1) {
                throw new TooManyBucketsException(step, maxBuckets);
            }
        }
        return new Buckets(zone, step, out.stream().mapToLong(Long::longValue).toArray());
    }

    /** Start of the bucket holding the instant. */
    static long startOf(long t, Step step, ZoneId zone) {
        if (step.fixedMillis() > 0) {
            long offset = zone.getRules().getOffset(Instant.ofEpochMilli(t)).getTotalSeconds() * 1000L;
            return Math.floorDiv(t + offset, step.fixedMillis()) * step.fixedMillis() - offset;
        }
        LocalDate day = LocalDate.ofInstant(Instant.ofEpochMilli(t), zone);
        if (step == Step.WEEK) {
            day = day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
        }
        return day.atStartOfDay(zone).toInstant().toEpochMilli();
    }

    /** Start of the bucket after the one starting at {@code start}. */
    static long next(long start, Step step, ZoneId zone) {
        if (step.fixedMillis() > 0) {
            long candidate = start + step.fixedMillis();
            // Where the zone's offset changes by less than the step (a 30-minute shift), realign to its clock.
            long aligned = startOf(candidate, step, zone);
            return aligned > start ? aligned : candidate;
        }
        LocalDate day = LocalDate.ofInstant(Instant.ofEpochMilli(start), zone);
        return (step == Step.WEEK ? day.plusWeeks(1) : day.plusDays(1)).atStartOfDay(zone).toInstant().toEpochMilli();
    }

    public int size() {
        return edges.length - 1;
    }

    public Step step() {
        return step;
    }

    public ZoneId zone() {
        return zone;
    }

    public Instant start(int i) {
        return Instant.ofEpochMilli(edges[i]);
    }

    public Instant end(int i) {
        return Instant.ofEpochMilli(edges[i + 1]);
    }

    /** Start of the first bucket. */
    public Instant first() {
        return start(0);
    }

    /** End of the last bucket. */
    public Instant last() {
        return Instant.ofEpochMilli(edges[edges.length - 1]);
    }

    /** The bucket holding the instant, or -1 outside them all. */
    public int indexOf(long epochMillis) {
        int i = Arrays.binarySearch(edges, epochMillis);
        int bucket = i >= 0 ? i : -i - 2;
        return bucket >= 0 && bucket < size() ? bucket : -1;
    }

    /** Whether every edge falls on a multiple of {@code millis} since the epoch (rollups of that size then fill buckets exactly). */
    public boolean alignedTo(long millis) {
        for (long e : edges) {
            if (Math.floorMod(e, millis) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The coarsest rollups whose buckets fill these exactly: hours where every edge is on the hour (zones of
     * whole-hour offsets), 5 minutes for zones like Asia/Kolkata, else minutes.
     */
    public Granularity coarsestExactRollup() {
        for (Granularity g : new Granularity[] {Granularity.HOUR, Granularity.FIVE_MINUTES}) {
            if (alignedTo(g.millis())) {
                return g;
            }
        }
        return Granularity.MINUTE;
    }

    /** The bucket's start as RFC 3339 with the zone's offset then ({@code Z} for UTC). */
    public String startText(int i) {
        return RFC3339.format(OffsetDateTime.ofInstant(start(i), zone));
    }

    /** A range holding more buckets than allowed. */
    public static final class TooManyBucketsException extends IllegalArgumentException {
        TooManyBucketsException(Step step, int max) {
            super("the range holds more than " + max + " buckets of " + step.label());
        }
    }
}
