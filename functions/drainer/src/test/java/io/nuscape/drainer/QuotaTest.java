package io.nuscape.drainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.core.Json;
import io.nuscape.core.control.AccountIngestLimits;
import io.nuscape.core.control.QuotaMode;
import io.nuscape.core.event.EventCodec;
import io.nuscape.core.event.UsageEvent;
import io.nuscape.core.limit.QuotaCrossing;
import io.nuscape.core.queue.EnqueueOutcome;
import io.nuscape.core.queue.EnqueueRequest;
import io.nuscape.postgres.PostgresRollupStore;
import io.nuscape.redis.RedisControlPlaneCache;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Monthly quotas end to end below the HTTP layer: the real ingest script counts and enforces them, the real
 * drainer records the alerts the entries carry and meters what it counted, on real Redis and Postgres (as the
 * drainer's role). Months are those of ingest's clock, so the month boundary is crossed with chosen instants.
 */
class QuotaTest {
    static final Duration SOON = Duration.ofMillis(50);
    /** Two instants a second either side of a UTC month's end. */
    static final long OCT_END = Instant.parse("2026-10-31T23:59:59Z").toEpochMilli();
    static final long NOV_START = Instant.parse("2026-11-01T00:00:01Z").toEpochMilli();

    @Test
    void aSoftQuotaWarnsAt80AndAlertsAt100OnceAMonthAndRefusesNothing() throws Exception {
        try (DrainFixture f = new DrainFixture("quotasoft")) {
            UUID account = UUID.randomUUID();
            UUID device = f.device(account);
            new RedisControlPlaneCache(f.redis, f.keys).setIngestLimits(new AccountIngestLimits(account, null, 100L, QuotaMode.SOFT));
            StreamDrainer drainer = f.drainer("c", SOON);

            f.enqueue(account, device, events(79, OCT_END), true, OCT_END);
            drainer.cycle(0);
            assertEquals(List.of(), alerts(f, account), "79 of 100: under 80 %");
            f.enqueue(account, device, events(1, OCT_END), true, OCT_END);
            drainer.cycle(0);
            assertEquals(List.of("quota.warning 2026-10-01 80"), alerts(f, account), "the batch that reaches 80 % warns");
            f.enqueue(account, device, events(30, OCT_END), true, OCT_END);
            f.enqueue(account, device, events(50, OCT_END), true, OCT_END); // soft: over the quota is still accepted
            drainer.cycle(0);
            assertEquals(List.of("quota.exceeded 2026-10-01 110", "quota.warning 2026-10-01 80"), alerts(f, account));
            JsonNode details = details(f, account, "quota.exceeded");
            assertEquals("2026-10", details.get("month").asText());
            assertEquals(100, details.get("monthly_event_quota").asLong());
            assertEquals("soft", details.get("quota_mode").asText());

            // A new month counts from zero and alerts again.
            f.enqueue(account, device, events(85, NOV_START), true, NOV_START);
            drainer.cycle(0);
            assertEquals(List.of("quota.exceeded 2026-10-01 110", "quota.warning 2026-10-01 80", "quota.warning 2026-11-01 85"),
                    alerts(f, account));
            RedisControlPlaneCache cache = new RedisControlPlaneCache(f.redis, f.keys);
            assertEquals(160, cache.eventsAccepted(account, YearMonth.of(2026, 10)));
            assertEquals(85, cache.eventsAccepted(account, YearMonth.of(2026, 11)));
            assertEquals(160, metered(f, account, "2026-10"));
            assertEquals(85, metered(f, account, "2026-11"));
            f.assertExactTotals();
        }
    }

    @Test
    void aHardQuotaTakesTheBatchThatReachesItThenRefusesUntilTheMonthEnds() throws Exception {
        try (DrainFixture f = new DrainFixture("quotahard")) {
            UUID account = UUID.randomUUID();
            UUID device = f.device(account);
            new RedisControlPlaneCache(f.redis, f.keys).setIngestLimits(new AccountIngestLimits(account, null, 100L, QuotaMode.HARD));
            f.enqueue(account, device, events(60, OCT_END), true, OCT_END);
            f.enqueue(account, device, events(60, OCT_END), true, OCT_END); // 120: under the quota when it came, taken whole
            long entries = f.stream.stats(0).length();
            EnqueueOutcome refused = enqueue(f, account, device, events(1, OCT_END), OCT_END);
            assertEquals(new EnqueueOutcome.QuotaExceeded(1), refused, "retry when the month ends: a second from now");
            EnqueueOutcome earlier = enqueue(f, account, device, events(1, OCT_END - 3_600_000L), OCT_END - 3_600_000L);
            assertEquals(new EnqueueOutcome.QuotaExceeded(3_601), earlier, "an hour and a second before the month ends");
            assertEquals(entries, f.stream.stats(0).length(), "nothing queued for a refused batch (the crossing was on the last entry)");

            StreamDrainer drainer = f.drainer("c", SOON);
            drainer.cycle(0);
            assertEquals(List.of("quota.exceeded 2026-10-01 120", "quota.warning 2026-10-01 120"), alerts(f, account),
                    "one batch crossed both thresholds");
            assertEquals("hard", details(f, account, "quota.exceeded").get("quota_mode").asText());

            // The next month accepts again.
            f.enqueue(account, device, events(10, NOV_START), true, NOV_START);
            drainer.cycle(0);
            assertEquals(120, metered(f, account, "2026-10"));
            assertEquals(10, metered(f, account, "2026-11"));
            f.assertExactTotals();
        }
    }

    /**
     * A hard quota lowered below what the month already counted refuses at once; that first refusal is the
     * month's quota.exceeded (flagged on an entry without events), and later refusals add nothing.
     */
    @Test
    void aHardQuotaLoweredBelowTheCountAlertsOnItsFirstRefusal() throws Exception {
        try (DrainFixture f = new DrainFixture("quotalowered")) {
            UUID account = UUID.randomUUID();
            UUID device = f.device(account);
            RedisControlPlaneCache cache = new RedisControlPlaneCache(f.redis, f.keys);
            f.enqueue(account, device, events(50, OCT_END), true, OCT_END);
            cache.setIngestLimits(new AccountIngestLimits(account, null, 40L, QuotaMode.HARD));
            long length = f.stream.stats(0).length();
            for (int i = 0; i < 3; i++) {
                assertInstanceOf(EnqueueOutcome.QuotaExceeded.class, enqueue(f, account, device, events(5, OCT_END), OCT_END));
            }
            assertEquals(length + 1, f.stream.stats(0).length(), "one flag entry for the first refusal, none after");
            StreamDrainer drainer = f.drainer("c", SOON);
            drainer.cycle(0);
            drainer.cycle(0);
            assertEquals(List.of("quota.exceeded 2026-10-01 50", "quota.warning 2026-10-01 50"), alerts(f, account),
                    "past 80 % as well, never said before");
            assertEquals(0, f.stream.stats(0).pending());
            assertEquals(50, metered(f, account, "2026-10"), "the flag counts nothing");
            f.assertExactTotals();
            // Removing the quota lets the account in again.
            cache.setIngestLimits(new AccountIngestLimits(account, null, null, QuotaMode.SOFT));
            assertInstanceOf(EnqueueOutcome.Accepted.class, enqueue(f, account, device, events(5, OCT_END), OCT_END));
        }
    }

    /** An entry drained twice (a drainer died before its acknowledgement) records its alerts and meters its events once. */
    @Test
    void aRedrainedCrossingRecordsItsAlertsOnce() throws Exception {
        try (DrainFixture f = new DrainFixture("quotaredrain")) {
            UUID account = UUID.randomUUID();
            UUID device = f.device(account);
            PostgresRollupStore store = new PostgresRollupStore(f.database);
            f.closeables.add(store);
            List<UsageEvent> batch = events(3, OCT_END);
            List<io.nuscape.core.rollup.DrainEvent> drained = new ArrayList<>();
            for (UsageEvent e : batch) {
                drained.add(new io.nuscape.core.rollup.DrainEvent(account, device, OCT_END, 0, e));
            }
            QuotaCrossing crossing = QuotaCrossing.parse(account, "quota.warning,quota.exceeded|2026-10|3|2|soft").orElseThrow();
            for (int i = 0; i < 2; i++) {
                store.apply(drained, List.of(crossing));
            }
            assertEquals(List.of("quota.exceeded 2026-10-01 3", "quota.warning 2026-10-01 3"), alerts(f, account));
            assertEquals(3, metered(f, account, "2026-10"));
            assertEquals(Optional.empty(), QuotaCrossing.parse(account, "quota.warning|2026-13|3|2|soft"), "not a month");
            assertEquals(Optional.empty(), QuotaCrossing.parse(account, "limit.warning|2026-10|3|2|soft"), "not a quota alert");
            assertEquals(Optional.empty(), QuotaCrossing.parse(account, "quota.warning|2026-10|3|2"), "not the form ingest writes");
        }
    }

    /** What the drainer metered for the account in the month (YYYY-MM). */
    private static long metered(DrainFixture f, UUID account, String month) throws Exception {
        return f.count("SELECT coalesce(sum(events_counted), 0) FROM metering WHERE account_id = '" + account + "' AND month = '" + month + "-01'");
    }

    private static List<UsageEvent> events(int n, long validatedAt) {
        List<UsageEvent> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(DrainFixture.event("k" + (i % 7), validatedAt - 60_000L, 1_000));
        }
        return out;
    }

    private static EnqueueOutcome enqueue(DrainFixture f, UUID account, UUID device, List<UsageEvent> events, long validatedAt) {
        return f.queue.enqueue(new EnqueueRequest(account, device, 0, Optional.empty(), events.size(), 0, events.size(),
                EventCodec.encode(events), "", "{}", validatedAt));
    }

    /** The account's alerts as "type day events_accepted", sorted. */
    private static List<String> alerts(DrainFixture f, UUID account) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = f.db.connect(); PreparedStatement s = c.prepareStatement(
                "SELECT type, day, details ->> 'events_accepted' FROM alerts WHERE account_id = ? AND limit_id IS NULL ORDER BY 1, 2")) {
            s.setObject(1, account);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3));
                }
            }
        }
        return out;
    }

    private static JsonNode details(DrainFixture f, UUID account, String type) throws Exception {
        try (Connection c = f.db.connect(); PreparedStatement s = c.prepareStatement(
                "SELECT details FROM alerts WHERE account_id = ? AND type = ?")) {
            s.setObject(1, account);
            s.setString(2, type);
            try (ResultSet rs = s.executeQuery()) {
                assertTrue(rs.next());
                return Json.mapper().readTree(rs.getString(1));
            }
        }
    }
}
