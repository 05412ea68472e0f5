package io.nuscape.drainer;

import static io.nuscape.drainer.DrainFixture.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.sync.RedisCommands;
import io.nuscape.core.event.UsageEvent;
import io.nuscape.core.rollup.RollupStore;
import io.nuscape.core.stream.EventStream;
import io.nuscape.core.stream.PendingEntry;
import io.nuscape.core.stream.StreamEntry;
import io.nuscape.core.stream.StreamStats;
import io.nuscape.postgres.PostgresRollupStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ARCHITECTURE.md's "nothing accepted is lost" and "exactly-once counts", on real Postgres and Redis. */
class ExactlyOnceTest {
    static final Duration SOON = Duration.ofMillis(50);
    DrainFixture f;
    RedisClient client;
    RedisCommands<String, String> redis;

    @BeforeEach
    void start(org.junit.jupiter.api.TestInfo info) throws SQLException {
        f = new DrainFixture(info.getTestMethod().orElseThrow().getName());
        client = RedisClient.create(f.redisUrl);
        redis = client.connect().sync();
    }

    @AfterEach
    void stop() throws Exception {
        client.shutdown();
        f.close();
    }

    static long now() {
        return System.currentTimeMillis() - 60_000;
    }

    List<Map<String, String>> deadLetters() {
        return redis.xrange(f.keys.deadLetters(0), Range.create("-", "+")).stream().map(m -> m.getBody()).toList();
    }

    @Test
    void theSameEventInTwoBatchesAndTheSameBatchTwiceAreCountedOnce() throws Exception {
        UUID account = UUID.randomUUID();
        UUID device = f.device(account);
        UsageEvent a = event("app.a", now(), 1000);
        UsageEvent b = event("app.b", now(), 2000);
        f.enqueue(account, device, List.of(a, b), true);
        f.enqueue(account, device, List.of(b, event("app.c", now(), 3000)), false); // re-formed batch
        f.expected.computeIfAbsent(device + "|app.c", k -> new long[2])[0]++;
        f.expected.get(device + "|app.c")[1] += 3000;
        f.enqueue(account, device, List.of(a, b), false); // the same batch again
        CycleReport r = f.drainer("c1", SOON).drainUntilIdle(0);
        assertEquals(3, r.eventsCounted());
        assertEquals(3, r.duplicates());
        f.assertExactTotals();
        // The same event id on another device is another event.
        UUID other = f.device(account);
        f.enqueue(account, other, List.of(a), true);
        f.drainer("c1", SOON).drainUntilIdle(0);
        f.assertExactTotals();
    }

    @Test
    void aDrainerDyingBetweenCommitAndAckCountsNothingTwice() throws Exception {
        UUID account = UUID.randomUUID();
        UUID device = f.device(account);
        for (int i = 0; i < 5; i++) {
            f.enqueue(account, device, List.of(event("k" + i, now(), 500), event("k" + i, now(), 700)), true);
        }
        PostgresRollupStore store = new PostgresRollupStore(f.database);
        f.closeables.add(store);
        EventStream crashing = new Crashing(f.stream);
        try {
            f.drainer("dies", crashing, store, SOON).cycle(0);
        } catch (IllegalStateException expected) {
            // The process "died" after the commit, before XACK.
        }
        assertEquals(5, f.stream.stats(0).pending(), "nothing was acknowledged");
        f.assertExactTotals(); // the commit happened

        Thread.sleep(SOON.toMillis() * 2);
        CycleReport r = f.drainer("successor", SOON).drainUntilIdle(0);
        assertEquals(0, r.eventsCounted());
        assertEquals(10, r.duplicates());
        assertEquals(0, f.stream.stats(0).pending());
        f.assertExactTotals();
    }

    @Test
    void twoDrainersAtOnceOnOverlappingKeysNeitherDeadlockNorDoubleCount() throws Exception {
        UUID account = UUID.randomUUID();
        List<UUID> devices = List.of(f.device(account), f.device(account), f.device(account));
        List<UsageEvent> pool = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            pool.add(event("key" + (i % 5), now() - (i % 7) * 60_000L, 1000 + i));
        }
        for (int i = 0; i < 200; i++) {
            UUID device = devices.get(i % 3);
            // Each event of the pool appears in two batches: overlapping keys and duplicate events.
            List<UsageEvent> batch = List.of(pool.get(i * 2 % 400), pool.get((i * 2 + 1) % 400), pool.get((i * 2 + 200) % 400));
            f.enqueue(account, device, batch, false);
        }
        // Expected: each distinct (device, event) once.
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < 200; i++) {
            UUID device = devices.get(i % 3);
            for (UsageEvent e : List.of(pool.get(i * 2 % 400), pool.get((i * 2 + 1) % 400), pool.get((i * 2 + 200) % 400))) {
                if (seen.add(device + e.eventId())) {
                    long[] t = f.expected.computeIfAbsent(device + "|" + e.key(), k -> new long[2]);
                    t[0]++;
                    t[1] += e.durationMs();
                }
            }
        }
        ExecutorService pool2 = Executors.newFixedThreadPool(2);
        List<Future<CycleReport>> runs = new ArrayList<>();
        for (String name : List.of("d1", "d2")) {
            StreamDrainer d = f.drainer(name, SOON);
            runs.add(pool2.submit(() -> d.drainUntilIdle(0)));
        }
        int counted = 0;
        for (Future<CycleReport> run : runs) {
            counted += run.get(60, TimeUnit.SECONDS).eventsCounted();
        }
        pool2.shutdown();
        f.drainer("d3", SOON).drainUntilIdle(0);
        assertEquals(seen.size(), counted + 0L);
        f.assertExactTotals();
        assertEquals(seen.size(), f.count("SELECT (SELECT count(*) FROM dedupe_keys) + (SELECT count(*) FROM dedupe_keys_late)"));
    }

    List<Map<String, String>> givenUp() {
        return redis.xrange(f.keys.giveUps(0), Range.create("-", "+")).stream().map(m -> m.getBody()).toList();
    }

    @Test
    void anUnreadableEntryIsGivenUpWholeAndTheOnesBehindItAreCounted() throws Exception {
        UUID account = UUID.randomUUID();
        UUID device = f.device(account);
        f.enqueue(account, device, List.of(event("before", now(), 10)), true);
        redis.xadd(f.keys.stream(0), Map.of("v", "1", "acct", account.toString(), "dev", device.toString(),
                "recv", Long.toString(System.currentTimeMillis()), "events", "[[not json"));
        redis.xadd(f.keys.stream(0), Map.of("garbage", "yes"));
        f.enqueue(account, device, List.of(event("after", now(), 20)), true);
        CycleReport r = f.drainer("c", SOON).drainUntilIdle(0);
        assertEquals(2, r.eventsCounted());
        assertEquals(2, r.deadLetters());
        f.assertExactTotals();
        List<Map<String, String>> kept = givenUp();
        assertEquals(2, kept.size());
        assertTrue(kept.get(0).get("gave_up_reason").startsWith("unreadable entry"), kept.get(0).toString());
        assertEquals(device.toString(), kept.get(0).get("dev"), "the device id stays findable for erasure");
        assertEquals("[[not json", kept.get(0).get("events"), "the entry is kept whole, as it was");
        assertEquals(0, f.stream.stats(0).pending());
    }

    /** A store that fails any transaction holding the given event, with the database itself healthy. */
    private record FailingOn(String eventId, RollupStore real) implements RollupStore {
        public Applied apply(List<io.nuscape.core.rollup.DrainEvent> events, List<io.nuscape.core.limit.QuotaCrossing> quota) throws Exception {
            if (events.stream().anyMatch(e -> e.event().eventId().equals(eventId))) {
                throw new SQLException("value out of range", "22003");
            }
            return real.apply(events, quota);
        }

        public boolean healthy() {
            return real.healthy();
        }
    }

    @Test
    void anEntryThatKeepsFailingOnItsOwnIsGivenUpWholeWithoutBlockingOthers() throws Exception {
        UUID account = UUID.randomUUID();
        UUID device = f.device(account);
        UsageEvent poison = event("poison", now(), 1);
        f.enqueue(account, device, List.of(event("a", now(), 1)), true);
        f.enqueue(account, device, List.of(poison), false);
        f.enqueue(account, device, List.of(event("b", now(), 1)), true);
        PostgresRollupStore real = new PostgresRollupStore(f.database);
        f.closeables.add(real);
        RollupStore failing = new FailingOn(poison.eventId(), real);
        StreamDrainer d = f.drainer("c", f.stream, failing, SOON);
        int deadLetters = 0;
        for (int i = 0; i < 10 && deadLetters == 0; i++) {
            deadLetters += d.drainUntilIdle(0).deadLetters();
            Thread.sleep(SOON.toMillis() + 20);
        }
        assertEquals(1, deadLetters);
        f.assertExactTotals();
        assertEquals(0, f.stream.stats(0).pending());
        Map<String, String> kept = givenUp().get(0);
        assertTrue(kept.get("gave_up_reason").startsWith("failed 3 times on its own while the database was healthy"), kept.toString());
        assertTrue(kept.get("events").contains(poison.eventId()), "the whole entry is kept for a redrive: " + kept);
        assertEquals(List.of(), deadLetters());

        // The cause fixed, the redrive puts it back and it is counted; a second redrive (or a dry run)
        // changes nothing, and redriving counted entries again would not count them twice.
        var redrive = new io.nuscape.redis.EntryRedrive(f.redis, f.keys);
        assertEquals(1, redrive.redrive(0, false, true).fromGiveUps(), "a dry run finds it");
        assertEquals(1, givenUp().size(), "a dry run moves nothing");
        assertEquals(1, redrive.redrive(0, false, false).fromGiveUps());
        assertEquals(List.of(), givenUp());
        f.expected.computeIfAbsent(device + "|poison", k -> new long[2])[0]++;
        f.expected.get(device + "|poison")[1] += poison.durationMs();
        f.drainer("c2", SOON).drainUntilIdle(0);
        f.assertExactTotals();
        assertEquals(0, redrive.redrive(0, true, false).fromGiveUps());
    }

    @Test
    void invalidEventsInABatchGoToTheDeadLetterStreamAndTheRestIsCounted() throws Exception {
        UUID account = UUID.randomUUID();
        UUID device = f.device(account);
        UsageEvent good = event("good", now(), 5);
        UsageEvent badKind = new UsageEvent(UUID.randomUUID().toString(), now(), "Bad Kind", "x", 0);
        UsageEvent tooOld = new UsageEvent(UUID.randomUUID().toString(), System.currentTimeMillis() - 40L * 86_400_000, "app", "x", 0);
        f.enqueue(account, device, List.of(good, badKind, tooOld), false);
        f.expected.put(device + "|good", new long[] {1, 5});
        CycleReport r = f.drainer("c", SOON).drainUntilIdle(0);
        assertEquals(1, r.eventsCounted());
        f.assertExactTotals();
        List<Map<String, String>> dlq = deadLetters();
        assertEquals(1, dlq.size());
        assertTrue(dlq.get(0).get("rejected").contains(badKind.eventId()));
        assertTrue(dlq.get(0).get("rejected").contains(tooOld.eventId()));

        // The record carries what failed, ready for a redrive, and nothing of what was counted.
        assertTrue(dlq.get(0).get("entry_events").contains(badKind.eventId()), dlq.get(0).toString());
        assertTrue(!dlq.get(0).get("entry_events").contains(good.eventId()), "the counted event is not in the dead letter");
        assertEquals("2", dlq.get(0).get("entry_n"));
        // A redrive puts the failed events back: they fail again, and nothing is counted twice.
        assertEquals(1, new io.nuscape.redis.EntryRedrive(f.redis, f.keys).redrive(0, true, false).fromDeadLetters());
        f.drainer("c", SOON).drainUntilIdle(0);
        f.assertExactTotals();
        assertEquals(1, deadLetters().size(), "the invalid events are recorded again, once");
    }

    /**
     * Ingest checks an event's time bounds with its own clock; the drainer re-checks them later. Against its
     * own clock (or Redis TIME) an event near a bound would be dead-lettered after a 202: it re-checks
     * against the instant ingest used, carried in the entry.
     */
    @Test
    void anEventValidWhenIngestCheckedItIsCountedWhateverTheOtherClocksSay() throws Exception {
        UUID account = UUID.randomUUID();
        UUID device = f.device(account);
        long ingestClock = System.currentTimeMillis() - 10 * 60_000; // ingest's clock 10 minutes behind
        UsageEvent nearOldestBound = event("edge-old", ingestClock - 30L * 86_400_000 + 60_000, 1_000);
        f.enqueue(account, device, List.of(nearOldestBound), true, ingestClock);
        f.drainer("c", SOON).drainUntilIdle(0);
        f.assertExactTotals();
        assertEquals(List.of(), deadLetters());
    }

    @Test
    void aDurationAcrossMinuteFiveMinuteAndHourEdgesIsSplitAndTheGranularitiesAgree() throws Exception {
        UUID account = UUID.randomUUID();
        UUID device = f.device(account);
        long hour = (System.currentTimeMillis() / 3_600_000L - 2) * 3_600_000L;
        UsageEvent e = event("long", hour - 30_000, 6 * 60_000); // 10:59:30 for 6 minutes
        f.enqueue(account, device, List.of(e), true);
        f.drainer("c", SOON).drainUntilIdle(0);
        f.assertExactTotals();
        assertEquals(7, f.count("SELECT count(*) FROM usage_1m"));
        assertEquals(30_000, f.count("SELECT duration_ms FROM usage_1m ORDER BY bucket_start LIMIT 1"));
        assertEquals(1, f.count("SELECT events FROM usage_1m ORDER BY bucket_start LIMIT 1"), "the count goes to the bucket of ts");
        assertEquals(0, f.count("SELECT sum(events) FROM usage_1m WHERE bucket_start >= to_timestamp(" + hour / 1000 + ")"));
        assertEquals(3, f.count("SELECT count(*) FROM usage_5m"));
        assertEquals(2, f.count("SELECT count(*) FROM usage_60m"));
        assertEquals(330_000, f.count("SELECT duration_ms FROM usage_60m WHERE bucket_start = to_timestamp(" + hour / 1000 + ")"));
        // Hour by hour, the 1m buckets sum to the 60m bucket.
        assertEquals(0, f.count("""
                SELECT count(*) FROM usage_60m h WHERE h.duration_ms <> (SELECT sum(m.duration_ms) FROM usage_1m m
                WHERE m.device_id = h.device_id AND m.bucket_start >= h.bucket_start AND m.bucket_start < h.bucket_start + interval '1 hour')"""));
    }

    @Test
    void eventsOfRevokedOrErasedOrForeignDevicesAreDroppedAndLastSeenMoves() throws Exception {
        UUID account = UUID.randomUUID();
        UUID kept = UUID.randomUUID();
        UUID erased = UUID.randomUUID();
        UUID foreign = UUID.randomUUID();
        try (Connection c = f.db.connect()) {
            PreparedStatement a = c.prepareStatement("INSERT INTO accounts (account_id, name) VALUES (?, 'a'), (?, 'b')");
            UUID otherAccount = UUID.randomUUID();
            a.setObject(1, account);
            a.setObject(2, otherAccount);
            a.executeUpdate();
            PreparedStatement d = c.prepareStatement("INSERT INTO devices (device_id, account_id, name, platform, erased_at) VALUES (?, ?, 'n', 'android', ?)");
            Object[][] rows = {{kept, account, null}, {erased, account, java.sql.Timestamp.from(java.time.Instant.now())}, {foreign, otherAccount, null}};
            for (Object[] r : rows) {
                d.setObject(1, r[0]);
                d.setObject(2, r[1]);
                d.setObject(3, r[2]);
                d.executeUpdate();
            }
        }
        f.enqueue(account, kept, List.of(event("k", now(), 1)), true);
        f.enqueue(account, erased, List.of(event("k", now(), 1)), false);
        f.enqueue(account, foreign, List.of(event("k", now(), 1)), false); // device of another account
        CycleReport r = f.drainer("c", SOON).drainUntilIdle(0);
        assertEquals(2, r.dropped());
        f.assertExactTotals();
        assertEquals(1, f.count("SELECT count(*) FROM devices WHERE last_seen_at IS NOT NULL AND device_id = '" + kept + "'"));
    }

    /**
     * Device tokens come from the control plane, which enrolls the device first. A device without a row (a
     * token minted outside it) must not count: the erasure API knows only enrolled devices, so its rollups
     * could never be erased. Its events are dropped and reported as such, and leave nothing behind; an
     * enrolled device's events in the same cycle are counted.
     */
    @Test
    void eventsOfADeviceTheControlPlaneDoesNotKnowAreDroppedNotCounted() throws Exception {
        UUID account = UUID.randomUUID();
        UUID enrolled = f.device(account);
        UUID unknown = UUID.randomUUID();
        f.enqueue(account, unknown, List.of(event("k", now(), 1), event("k", now(), 2)), false);
        f.enqueue(account, enrolled, List.of(event("k", now(), 3)), true);
        f.stream.ensureGroup(0);
        CycleReport r = f.drainer("c", SOON).cycle(0);
        assertEquals(2, r.entries(), "both entries in one cycle");
        assertEquals(1, r.eventsCounted());
        assertEquals(2, r.dropped());
        assertEquals("2", redis.hget(f.keys.stats(0), "events_dropped_revoked"), "/metrics-lite counts them as dropped");
        f.assertExactTotals();
        assertEquals(0, f.count("SELECT count(*) FROM event_dedupe WHERE device_id = '" + unknown + "'"));
        assertEquals(0, f.stream.stats(0).pending(), "acknowledged: dropping is final, not a failure to retry");
        assertEquals(List.of(), deadLetters());
    }

    /**
     * One entry stuck pending must not make the backlog look full: drained entries leave the stream as they
     * are acknowledged, so ingest's cap counts only what is owed, and other batches keep being accepted.
     */
    @Test
    void aStuckEntryDoesNotFillTheBacklogOfEveryoneBehindIt() throws Exception {
        UUID account = UUID.randomUUID();
        UUID device = f.device(account);
        UsageEvent poison = event("stuck", now(), 1);
        f.enqueue(account, device, List.of(poison), false);
        var capped = new io.nuscape.redis.RedisEventQueue(f.redis, f.keys, Long.MAX_VALUE / 4, 3, 3600, 100_000);
        PostgresRollupStore real = new PostgresRollupStore(f.database);
        f.closeables.add(real);
        StreamDrainer d = f.drainer("c", f.stream, new FailingOn(poison.eventId(), real), Duration.ofHours(1));
        for (int i = 0; i < 20; i++) {
            UsageEvent e = event("k" + (i % 4), now(), 10);
            var outcome = capped.enqueue(new io.nuscape.core.queue.EnqueueRequest(account, device, 0, java.util.Optional.empty(), 1, 0, 1,
                    io.nuscape.core.event.EventCodec.encode(List.of(e)), "", "{}", System.currentTimeMillis()));
            assertEquals(io.nuscape.core.queue.EnqueueOutcome.Accepted.class, outcome.getClass(), "batch " + i + " refused as backlog");
            f.expected.computeIfAbsent(device + "|" + e.key(), k -> new long[2])[0]++;
            f.expected.get(device + "|" + e.key())[1] += 10;
            d.drainUntilIdle(0);
        }
        assertEquals(1, f.stream.stats(0).pending(), "the stuck entry is still pending");
        assertEquals(1, f.stream.stats(0).length(), "and is all the stream holds");
        f.assertExactTotals();
    }

    /** Records the rows each transaction writes, and lets a test count its transactions. */
    private static final class RowRecording implements RollupStore {
        final RollupStore real;
        final List<Long> rowsPerTransaction = new ArrayList<>();

        RowRecording(RollupStore real) {
            this.real = real;
        }

        public Applied apply(List<io.nuscape.core.rollup.DrainEvent> events, List<io.nuscape.core.limit.QuotaCrossing> quota) throws Exception {
            rowsPerTransaction.add(events.stream().mapToLong(e -> io.nuscape.core.rollup.Rollups.rowsOf(e.event())).sum());
            return real.apply(events, quota);
        }

        public boolean healthy() {
            return real.healthy();
        }
    }

    /** Events of 24 hours (the longest legal), starting mid-minute three days ago: 1 755 rollup rows each. */
    static List<UsageEvent> dayLongEvents(int n) {
        long start = (System.currentTimeMillis() / 60_000 - 3 * 1440) * 60_000 + 30_000;
        List<UsageEvent> days = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            days.add(event("day" + i, start + i * 1000L, 86_400_000));
        }
        return days;
    }

    /**
     * A batch of the longest legal events makes many rows; transactions stay within the row budget (an entry
     * over it is applied in several), the other device's entries are not swallowed into one huge
     * transaction with it, and the counts are exact.
     */
    @Test
    void transactionsAreBoundedByRowsWrittenNotByEntriesRead() throws Exception {
        UUID account = UUID.randomUUID();
        UUID heavy = f.device(account);
        UUID light = f.device(account);
        List<UsageEvent> days = dayLongEvents(6);
        f.enqueue(account, light, List.of(event("small", now(), 5)), true);
        f.enqueue(account, heavy, days, true);
        f.enqueue(account, light, List.of(event("small", now(), 5)), true);
        PostgresRollupStore real = new PostgresRollupStore(f.database);
        f.closeables.add(real);
        RowRecording recording = new RowRecording(real);
        StreamDrainer d = new StreamDrainer(f.stream, recording, new DrainOptions(50, Duration.ofMillis(20), SOON, 3, 4_000),
                "c", DrainFixture.QUIET, java.time.Clock.systemUTC());
        assertEquals(8, d.drainUntilIdle(0).eventsCounted());
        f.assertExactTotals();
        assertTrue(recording.rowsPerTransaction.stream().allMatch(rows -> rows <= 4_000), recording.rowsPerTransaction.toString());
        assertTrue(recording.rowsPerTransaction.size() >= 4, "six 1 755-row events take three transactions at least, plus the others': "
                + recording.rowsPerTransaction);
    }

    /**
     * The heavy lane: an entry over the row budget is worked through one budget's worth per cycle, after the
     * other entries of the cycle, so entries behind it (another tenant's) are committed before it is done.
     */
    @Test
    void entriesBehindAHeavyOneAreCommittedBeforeItIsDone() throws Exception {
        UUID heavyAccount = UUID.randomUUID();
        UUID victim = UUID.randomUUID();
        List<UsageEvent> days = dayLongEvents(8);
        UUID heavyDevice = f.device(heavyAccount);
        f.enqueue(heavyAccount, heavyDevice, days, true);
        UUID victimDevice = f.device(victim);
        f.enqueue(victim, victimDevice, List.of(event("victim", now(), 5)), true);
        PostgresRollupStore real = new PostgresRollupStore(f.database);
        f.closeables.add(real);
        List<String> order = new ArrayList<>();
        RollupStore watching = new RollupStore() {
            public Applied apply(List<io.nuscape.core.rollup.DrainEvent> events, List<io.nuscape.core.limit.QuotaCrossing> quota) throws Exception {
                events.stream().map(e -> e.event().key().startsWith("day") ? "heavy" : "victim").distinct().forEach(order::add);
                return real.apply(events, quota);
            }

            public boolean healthy() {
                return real.healthy();
            }
        };
        StreamDrainer d = new StreamDrainer(f.stream, watching, new DrainOptions(50, Duration.ofMillis(20), SOON, 3, 4_000),
                "c", DrainFixture.QUIET, java.time.Clock.systemUTC());
        assertEquals(9, d.drainUntilIdle(0).eventsCounted());
        f.assertExactTotals();
        assertEquals("victim", order.get(0), "the victim's entry, read after the heavy one, is committed first: " + order);
        assertTrue(order.stream().filter("heavy"::equals).count() >= 4, "the heavy entry took several transactions: " + order);
        assertEquals(0, f.stream.stats(0).pending());
    }

    /**
     * A valid late event (up to 30 days old) may fall on a day whose 1m partition retention dropped after this
     * drainer saw it: the partition is made again and the event counted, never dead-lettered.
     */
    @Test
    void aLateEventOnADayWhosePartitionWasDroppedIsCounted() throws Exception {
        UUID account = UUID.randomUUID();
        UUID device = f.device(account);
        long twentyDaysAgo = System.currentTimeMillis() - 20L * 86_400_000;
        f.enqueue(account, device, List.of(event("late", twentyDaysAgo, 10)), true);
        StreamDrainer d = f.drainer("c", SOON); // one store: it now knows that day's partitions exist
        assertEquals(1, d.drainUntilIdle(0).eventsCounted());
        String day = java.time.Instant.ofEpochMilli(twentyDaysAgo).atZone(java.time.ZoneOffset.UTC).toLocalDate().toString().replace("-", "");
        try (Connection c = f.db.connect(); var s = c.createStatement()) {
            s.execute("DROP TABLE usage_1m_p" + day); // as retention does for days past the longest 1m retention
        }
        f.enqueue(account, device, List.of(event("late", twentyDaysAgo + 1000, 10)), true);
        f.expected.clear(); // the 1m rows of the first event went with the partition; compare what is left
        assertEquals(1, d.drainUntilIdle(0).eventsCounted());
        assertEquals(List.of(), deadLetters());
        assertEquals(List.of(), givenUp());
        assertEquals(1, f.count("SELECT count(*) FROM usage_1m WHERE device_id = '" + device + "'"), "the second event's row");
        assertEquals(2, f.count("SELECT sum(events) FROM usage_60m WHERE device_id = '" + device + "'"));
    }

    /**
     * Redis' copy of a rotation can lag or be lost, so ingest may accept a rotated-away token: the drainer
     * drops what such a token sent after its rotation (Postgres records when each generation was superseded),
     * and counts what it sent before, and what the new token sends.
     */
    @Test
    void eventsOfATokenRotatedAwayBeforeIngestTookThemAreNotCounted() throws Exception {
        UUID account = UUID.randomUUID();
        UUID device = UUID.randomUUID();
        long rotatedAt = System.currentTimeMillis() - 60_000;
        try (Connection c = f.db.connect(); var s = c.createStatement()) {
            s.execute("INSERT INTO accounts (account_id, name) VALUES ('" + account + "', 'rot')");
            s.execute("INSERT INTO devices (device_id, account_id, name, platform, token_generation) VALUES ('" + device + "', '"
                    + account + "', 'd', 'ios', 2)");
            s.execute("INSERT INTO device_token_supersessions (device_id, generation, superseded_at) VALUES ('" + device
                    + "', 1, to_timestamp(" + rotatedAt / 1000.0 + "))");
        }
        f.enqueue(account, device, List.of(event("before", rotatedAt - 5_000, 1)), true, rotatedAt - 1_000, 1);
        f.enqueue(account, device, List.of(event("after", rotatedAt + 5_000, 1)), false, rotatedAt + 10_000, 1);
        f.enqueue(account, device, List.of(event("new-token", rotatedAt + 5_000, 1)), true, rotatedAt + 10_000, 2);
        CycleReport r = f.drainer("c", SOON).drainUntilIdle(0);
        assertEquals(2, r.eventsCounted());
        assertEquals(1, r.dropped());
        f.assertExactTotals();
    }

    /**
     * A drainer and a revocation of the same device serialize on the device's row: a revocation committed
     * while the drain transaction waited is seen by it, so its events are dropped and no row of the device is
     * committed behind the erasure's back.
     */
    @Test
    void aDrainAndARevocationOfTheSameDeviceSerialize() throws Exception {
        UUID account = UUID.randomUUID();
        UUID device = f.device(account);
        f.enqueue(account, device, List.of(event("raced", now(), 1)), false);
        try (Connection api = f.db.connect()) {
            api.setAutoCommit(false);
            try (var s = api.createStatement()) {
                s.execute("UPDATE devices SET revoked_at = now() WHERE device_id = '" + device + "'"); // the revocation, uncommitted
            }
            var drain = java.util.concurrent.CompletableFuture.supplyAsync(() -> f.drainer("c", SOON).drainUntilIdle(0));
            Thread.sleep(500);
            assertTrue(!drain.isDone(), "the drain waits for the revocation's transaction");
            api.commit();
            CycleReport r = drain.get(30, TimeUnit.SECONDS);
            assertEquals(0, r.eventsCounted());
            assertEquals(1, r.dropped(), "it saw the committed revocation");
        }
        assertEquals(0, f.count("SELECT count(*) FROM usage_1m WHERE device_id = '" + device + "'"));
    }

    @Test
    void trimmingRemovesOnlyAcknowledgedEntries() throws Exception {
        UUID account = UUID.randomUUID();
        UUID device = f.device(account);
        for (int i = 0; i < 6; i++) {
            f.enqueue(account, device, List.of(event("k", now(), 1)), true);
        }
        f.stream.ensureGroup(0);
        // Another consumer takes two entries and stalls: they must survive every trim.
        List<StreamEntry> stalled = f.stream.readNew(0, "stalled", 2, Duration.ofMillis(10));
        f.drainer("c", Duration.ofHours(1)).drainUntilIdle(0);
        StreamStats s = f.stream.stats(0);
        assertEquals(2, s.pending());
        for (StreamEntry e : stalled) {
            assertEquals(1, redis.xrange(f.keys.stream(0), Range.create(e.id(), e.id())).size(), "pending entry trimmed");
        }
        f.drainer("c", Duration.ofMillis(1)).drainUntilIdle(0);
        assertEquals(0, f.stream.stats(0).length(), "once all are acknowledged, all are trimmed");
        f.assertExactTotals();
    }

    /** A stream whose acknowledgements kill the caller: a crash between commit and XACK. */
    private record Crashing(EventStream delegate) implements EventStream {
        public void ensureGroup(int shard) {
            delegate.ensureGroup(shard);
        }

        public List<StreamEntry> readNew(int shard, String consumer, int count, Duration block) {
            return delegate.readNew(shard, consumer, count, block);
        }

        public List<PendingEntry> stalePending(int shard, Duration minIdle, int count) {
            return delegate.stalePending(shard, minIdle, count);
        }

        public List<StreamEntry> claim(int shard, String consumer, Duration minIdle, List<String> ids) {
            return delegate.claim(shard, consumer, minIdle, ids);
        }

        public void ack(int shard, List<String> ids) {
            throw new IllegalStateException("killed before XACK");
        }

        public long recordFailure(int shard, String entryId) {
            return delegate.recordFailure(shard, entryId);
        }

        public void giveUp(int shard, StreamEntry entry, String reason, long failures) {
            delegate.giveUp(shard, entry, reason, failures);
        }

        public void deadLetter(int shard, Map<String, String> record) {
            delegate.deadLetter(shard, record);
        }

        public long trimAcknowledged(int shard) {
            return delegate.trimAcknowledged(shard);
        }

        public StreamStats stats(int shard) {
            return delegate.stats(shard);
        }

        public List<Integer> retiredShardsWithEntries() {
            return delegate.retiredShardsWithEntries();
        }

        public void count(int shard, Map<String, Long> increments) {
            delegate.count(shard, increments);
        }
    }
}
