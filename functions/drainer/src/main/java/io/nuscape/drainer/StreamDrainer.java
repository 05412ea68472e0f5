package io.nuscape.drainer;

import io.nuscape.core.Json;
import io.nuscape.core.StructuredLog;
import io.nuscape.core.event.EventCodec;
import io.nuscape.core.event.MalformedBatchException;
import io.nuscape.core.queue.QueueUnavailableException;
import io.nuscape.core.rollup.DrainEvent;
import io.nuscape.core.rollup.RollupStore;
import io.nuscape.core.rollup.Rollups;
import io.nuscape.core.stream.EventStream;
import io.nuscape.core.stream.PendingEntry;
import io.nuscape.core.stream.StreamEntry;
import io.nuscape.drainer.internal.EntryDecoder;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Drains one stream shard into the rollups, exactly once. A cycle reclaims entries pending too long (and
 * gives up those delivered too often to the dead-letter stream), reads new ones, re-validates, applies
 * all their events in one transaction and acknowledges the entries only after it commits. A crash
 * between commit and acknowledgement redelivers entries whose events the dedupe keys then skip. When a
 * batch fails for reasons of its own data, its entries are applied one by one, so one poison entry
 * never holds back the others. Knows nothing of Lambda; the handler, the local runtime and tests call it.
 */
public final class StreamDrainer {
    private final EventStream stream;
    private final RollupStore store;
    private final DrainOptions options;
    private final String consumer;
    private final StructuredLog log;
    private final Clock clock;

    public StreamDrainer(EventStream stream, RollupStore store, DrainOptions options, String consumer, StructuredLog log, Clock clock) {
        this.stream = stream;
        this.store = store;
        this.options = options;
        this.consumer = consumer;
        this.log = log;
        this.clock = clock;
    }

    /** Cycles while {@code keepGoing} says so or until Redis or Postgres fails; trims what is acknowledged as it goes. */
    public CycleReport run(int shard, BooleanSupplier keepGoing) {
        return loop(shard, keepGoing, false);
    }

    /** As {@link #run}, but returns as soon as a cycle finds nothing to do: for a stream nobody writes any more. */
    public CycleReport runUntilIdle(int shard, BooleanSupplier keepGoing) {
        return loop(shard, keepGoing, true);
    }

    private CycleReport loop(int shard, BooleanSupplier keepGoing, boolean untilIdle) {
        CycleReport total = CycleReport.EMPTY;
        long lastTrim = clock.millis();
        try {
            stream.ensureGroup(shard);
            while (keepGoing.getAsBoolean()) {
                CycleReport r = cycle(shard);
                total = total.plus(r);
                if (!r.stoppedBy().isEmpty() || (untilIdle && r.idle())) {
                    break;
                }
                if (clock.millis() - lastTrim > 5_000) {
                    stream.trimAcknowledged(shard);
                    lastTrim = clock.millis();
                }
            }
            stream.trimAcknowledged(shard);
        } catch (QueueUnavailableException e) {
            log.error("redis unavailable; drain stopped, nothing acknowledged is lost", Map.of("shard", shard,
                    "reason", String.valueOf(e.getMessage())));
            total = total.plus(new CycleReport(0, 0, 0, 0, 0, 0, "redis_unavailable", 0));
        }
        return total;
    }

    /** Drains until a cycle finds nothing to do; for tests and tools (no blocking wait at the end beyond one read). */
    public CycleReport drainUntilIdle(int shard) {
        stream.ensureGroup(shard);
        CycleReport total = CycleReport.EMPTY;
        while (true) {
            CycleReport r = cycle(shard);
            total = total.plus(r);
            if (r.idle() || !r.stoppedBy().isEmpty()) {
                stream.trimAcknowledged(shard);
                return total;
            }
        }
    }

    /**
     * One cycle: reclaim, read, apply, acknowledge. Throws {@link QueueUnavailableException} when Redis fails.
     * A missing consumer group (a Redis that lost its data) is created again: redelivered entries are
     * deduplicated, so starting the group over costs time, never correctness.
     */
    public CycleReport cycle(int shard) {
        try {
            return cycleOnce(shard);
        } catch (QueueUnavailableException e) {
            if (!String.valueOf(e.getMessage()).contains("NOGROUP")) {
                throw e;
            }
            log.warn("consumer group missing; creating it again", Map.of("shard", shard));
            stream.ensureGroup(shard);
            return cycleOnce(shard);
        }
    }

    private CycleReport cycleOnce(int shard) {
        long started = clock.millis();
        int deadLetters = 0;
        List<StreamEntry> entries = new ArrayList<>();
        // Every stale entry is taken over again, however often it was delivered: deliveries pile up during
        // an outage and say nothing of the entry. Only failures on its own count (see apply).
        List<PendingEntry> stale = stream.stalePending(shard, options.claimIdle(), options.batchEntries());
        entries.addAll(stream.claim(shard, consumer, options.claimIdle(), stale.stream().map(PendingEntry::id).toList()));
        if (entries.size() < options.batchEntries()) {
            entries.addAll(stream.readNew(shard, consumer, options.batchEntries() - entries.size(),
                    entries.isEmpty() && heavy.isEmpty() ? options.block() : java.time.Duration.ofMillis(1)));
        }
        if (entries.isEmpty() && heavy.isEmpty()) {
            return new CycleReport(0, 0, 0, 0, deadLetters, clock.millis() - started, "", 0);
        }

        List<Decodable> decoded = new ArrayList<>(entries.size());
        for (StreamEntry e : entries) {
            try {
                decoded.add(new Decodable(e, EntryDecoder.decode(e)));
            } catch (MalformedBatchException ex) {
                // Unreadable now means unreadable forever with this code: kept whole for a redrive after a fix.
                stream.giveUp(shard, e, "unreadable entry: " + ex.getMessage(), 0);
                deadLetters++;
            }
        }
        // Entries over the row budget go to the heavy lane: one budget's worth of them per cycle, after the
        // others, so one device's long events delay other tenants by one transaction, not by all of theirs.
        List<Decodable> light = new ArrayList<>(decoded.size());
        for (Decodable d : decoded) {
            if (rowsOf(d) > options.maxRowsPerTransaction()) {
                heavy.add(new HeavyWork(d));
            } else {
                light.add(d);
            }
        }
        Outcome outcome = apply(shard, light);
        if (outcome.stoppedBy.isEmpty() && !heavy.isEmpty()) {
            advanceHeavy(shard, outcome);
        }
        deadLetters += outcome.deadLetters;
        CycleReport report = new CycleReport(entries.size(), outcome.applied.counted(), outcome.applied.duplicates(),
                outcome.applied.dropped(), deadLetters, clock.millis() - started, outcome.stoppedBy, outcome.heavyChunks);
        if (report.entries() > 0 || report.deadLetters() > 0 || report.heavyChunks() > 0) {
            var counters = new LinkedHashMap<String, Long>();
            counters.put("events_drained", (long) report.eventsCounted());
            counters.put("events_deduplicated", (long) report.duplicates());
            // Every dropped event (device not enrolled, revoked, erased or of another account, token rotated away):
            // the counter kept its first name, since /metrics-lite's fields are never renamed.
            counters.put("events_dropped_revoked", (long) report.dropped());
            stream.count(shard, counters);
            log.info("drain cycle", Map.of("shard", shard, "entries", report.entries(), "events", report.eventsCounted(),
                    "duplicates", report.duplicates(), "dropped", report.dropped(), "dlq", report.deadLetters(), "ms", report.millis()));
        }
        return report;
    }

    private record Decodable(StreamEntry entry, EntryDecoder.Decoded decoded) {
    }

    /** An entry over the row budget and how far into its events this drainer has committed. */
    private static final class HeavyWork {
        final Decodable decodable;
        int next;

        HeavyWork(Decodable decodable) {
            this.decodable = decodable;
        }
    }

    /** Heavy entries this drainer holds (delivered to it, pending in Redis), in the order read. */
    private final java.util.ArrayDeque<HeavyWork> heavy = new java.util.ArrayDeque<>();

    private static long rowsOf(Decodable d) {
        long rows = 0;
        for (DrainEvent e : d.decoded().valid()) {
            rows += Rollups.rowsOf(e.event());
        }
        return rows;
    }

    /**
     * One transaction of the first heavy entry: its next events up to the row budget. When its last events
     * are committed it is acknowledged. Stopping between two of these is safe: the entry stays pending and
     * the events already committed are deduplicated when it comes back.
     */
    private void advanceHeavy(int shard, Outcome out) {
        HeavyWork w = heavy.peek();
        List<DrainEvent> events = w.decodable.decoded().valid();
        List<DrainEvent> chunk = new ArrayList<>();
        long rows = 0;
        for (int i = w.next; i < events.size(); i++) {
            long eventRows = Rollups.rowsOf(events.get(i).event());
            if (!chunk.isEmpty() && rows + eventRows > options.maxRowsPerTransaction()) {
                break;
            }
            chunk.add(events.get(i));
            rows += eventRows;
        }
        try {
            out.add(store.apply(chunk, w.next == 0 ? quota(List.of(w.decodable)) : List.of()));
            out.heavyChunks++;
            w.next += chunk.size();
            if (w.next >= events.size()) {
                heavy.poll();
                out.deadLetters += settle(shard, List.of(w.decodable));
            }
        } catch (Exception e) {
            if (environmental(e) || !store.healthy()) {
                stopped(out, shard, e);
                return;
            }
            heavy.poll();
            failedAlone(shard, w.decodable, e, out);
        }
    }

    private static final class Outcome {
        RollupStore.Applied applied = new RollupStore.Applied(0, 0, 0);
        int deadLetters;
        int heavyChunks;
        String stoppedBy = "";

        void add(RollupStore.Applied a) {
            applied = new RollupStore.Applied(applied.counted() + a.counted(), applied.duplicates() + a.duplicates(),
                    applied.dropped() + a.dropped());
        }
    }

    private Outcome apply(int shard, List<Decodable> batch) {
        Outcome out = new Outcome();
        for (List<Decodable> group : groups(batch)) {
            applyGroup(shard, group, out);
            if (!out.stoppedBy.isEmpty()) {
                break;
            }
        }
        return out;
    }

    /**
     * The entries (each within the row budget; larger ones take the heavy lane) in read order, cut into
     * groups that write at most the row budget each: a transaction's work is bounded by rows written, not
     * by entries read.
     */
    private List<List<Decodable>> groups(List<Decodable> batch) {
        List<List<Decodable>> groups = new ArrayList<>();
        List<Decodable> current = new ArrayList<>();
        long rows = 0;
        for (Decodable d : batch) {
            long entryRows = 0;
            for (DrainEvent e : d.decoded().valid()) {
                entryRows += Rollups.rowsOf(e.event());
            }
            if (!current.isEmpty() && rows + entryRows > options.maxRowsPerTransaction()) {
                groups.add(current);
                current = new ArrayList<>();
                rows = 0;
            }
            current.add(d);
            rows += entryRows;
        }
        if (!current.isEmpty()) {
            groups.add(current);
        }
        return groups;
    }

    private void applyGroup(int shard, List<Decodable> group, Outcome out) {
        if (group.size() > 1) {
            try {
                out.add(store.apply(events(group), quota(group)));
                out.deadLetters += settle(shard, group);
                return;
            } catch (Exception e) {
                if (environmental(e) || !store.healthy()) {
                    stopped(out, shard, e);
                    return;
                }
                log.warn("batch failed; applying its entries one by one", Map.of("shard", shard, "entries", group.size(),
                        "reason", String.valueOf(e.getMessage())));
            }
        }
        for (Decodable d : group) {
            try {
                out.add(store.apply(d.decoded().valid(), quota(List.of(d))));
                out.deadLetters += settle(shard, List.of(d));
            } catch (Exception e) {
                if (environmental(e) || !store.healthy()) {
                    stopped(out, shard, e);
                    return;
                }
                failedAlone(shard, d, e, out);
            }
        }
    }

    /** The database answers and this entry alone fails: that counts against the entry. */
    private void failedAlone(int shard, Decodable d, Exception e, Outcome out) {
        long failures = stream.recordFailure(shard, d.entry().id());
        if (failures >= options.maxFailures()) {
            stream.giveUp(shard, d.entry(), "failed " + failures + " times on its own while the database was healthy: "
                    + e.getMessage(), failures);
            out.deadLetters++;
            log.error("entry given up; kept whole in the give-up stream for a redrive", Map.of("shard", shard,
                    "entry", d.entry().id(), "failures", failures, "reason", String.valueOf(e.getMessage())));
        } else {
            log.warn("entry failed; left pending", Map.of("shard", shard, "entry", d.entry().id(),
                    "failures", failures, "reason", String.valueOf(e.getMessage())));
        }
    }

    private void stopped(Outcome out, int shard, Exception e) {
        log.error("postgres unavailable; entries stay pending and are drained later, none counts as failed",
                Map.of("shard", shard, "reason", String.valueOf(e.getMessage())));
        out.stoppedBy = "postgres_unavailable";
    }

    /** After commit: record invalid events, then acknowledge. Returns dead letters written. */
    private int settle(int shard, List<Decodable> committed) {
        int deadLetters = 0;
        List<String> ids = new ArrayList<>(committed.size());
        for (Decodable d : committed) {
            if (!d.decoded().invalid().isEmpty()) {
                Map<String, String> record = deadLetterRecord(d.entry(), "events failed re-validation");
                record.put("rejected", Json.write(d.decoded().reasons()));
                // What a redrive needs is the failed events, not the entry's counted ones: the record's entry
                // holds just those, so a dead letter is never larger than what failed.
                record.put("entry_events", new String(EventCodec.encode(d.decoded().invalid()), java.nio.charset.StandardCharsets.UTF_8));
                record.put("entry_n", Integer.toString(d.decoded().invalid().size()));
                stream.deadLetter(shard, record);
                deadLetters++;
            }
            ids.add(d.entry().id());
        }
        stream.ack(shard, ids);
        return deadLetters;
    }

    private static List<io.nuscape.core.limit.QuotaCrossing> quota(List<Decodable> batch) {
        List<io.nuscape.core.limit.QuotaCrossing> out = new ArrayList<>(0);
        for (Decodable d : batch) {
            d.decoded().quota().ifPresent(out::add);
        }
        return out;
    }

    private static List<DrainEvent> events(List<Decodable> batch) {
        List<DrainEvent> all = new ArrayList<>();
        for (Decodable d : batch) {
            all.addAll(d.decoded().valid());
        }
        return all;
    }

    private Map<String, String> deadLetterRecord(StreamEntry e, String reason) {
        var record = new LinkedHashMap<String, String>();
        record.put("source", "drainer");
        record.put("entry_id", e.id());
        record.put("reason", reason);
        record.put("at", Long.toString(clock.millis()));
        // Keep what the entry carried, whole (device id included, so erasure finds it).
        e.fields().forEach((k, v) -> record.put("entry_" + k, new String(v, java.nio.charset.StandardCharsets.UTF_8)));
        if (e.text("acct") != null) {
            record.put("acct", e.text("acct"));
        }
        if (e.text("dev") != null) {
            record.put("dev", e.text("dev"));
        }
        return record;
    }

    /**
     * Failures of the environment, not of the data: the database unreachable, refusing the credentials,
     * out of connections, memory or disk, read-only (a failover), shutting down, cancelling statements,
     * lacking a grant (a deploy's mistake), or a transaction lost to a deadlock or serialization conflict.
     * The drainer stops and tries again later; no entry is charged for them.
     */
    static boolean environmental(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientException || t instanceof java.io.IOException) {
                return true;
            }
            if (t instanceof SQLException s && s.getSQLState() != null && s.getSQLState().length() == 5) {
                String state = s.getSQLState();
                if (ENVIRONMENT_CLASSES.contains(state.substring(0, 2)) || ENVIRONMENT_STATES.contains(state)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** SQLSTATE classes: 08 connection, 28 authorization, 40 transaction rollback, 53 resources, 57 operator, 58 system. */
    private static final java.util.Set<String> ENVIRONMENT_CLASSES = java.util.Set.of("08", "28", "40", "53", "57", "58");
    /** 25006 read-only transaction (a standby after failover), 42501 insufficient privilege, 55P03 lock not available, 55006 object in use. */
    private static final java.util.Set<String> ENVIRONMENT_STATES = java.util.Set.of("25006", "42501", "55P03", "55006");
}
