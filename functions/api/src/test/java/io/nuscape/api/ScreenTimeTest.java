package io.nuscape.api;

import static io.nuscape.api.ProfilesAndCategoriesTest.account;
import static io.nuscape.api.ProfilesAndCategoriesTest.assertError;
import static io.nuscape.api.ProfilesAndCategoriesTest.device;
import static io.nuscape.api.ProfilesAndCategoriesTest.ok;
import static io.nuscape.api.ProfilesAndCategoriesTest.profile;
import static io.nuscape.api.ProfilesAndCategoriesTest.send;
import static io.nuscape.api.ProfilesAndCategoriesTest.token;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.event.UsageEvent;
import io.nuscape.core.rollup.DrainEvent;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.PostgresRollupStore;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Combined screen time through the handler, events written by the drainer's own store on real Postgres:
 * every bucket's {@code combined_ms} and {@code sum_ms} against an independent brute force over the same
 * intervals (cell midpoints counted one by one), and within 7.5 s of the exact millisecond union at each of
 * its edges; identical, nested, adjacent intervals, across hour, day and daylight-saving edges, in zones
 * whose hours start at half past; redelivery; moving a device.
 */
class ScreenTimeTest {
    static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    static final ZoneId KOLKATA = ZoneId.of("Asia/Kolkata");
    static final Instant FROM = Instant.parse("2026-10-30T04:00:00Z"); // midnight in New York
    static final Instant TO = Instant.parse("2026-11-03T05:00:00Z");

    /** A device's interval of use, as sent: [start, start + ms). */
    record Use(UUID device, long start, long ms) {
    }

    static UUID account;
    static String admin;
    static String viewer;
    static UUID phone;
    static UUID tablet;
    static UUID laptop;
    static UUID outsider;
    static String child;
    static final List<Use> uses = new ArrayList<>();
    static final List<DrainEvent> drained = new ArrayList<>();

    @BeforeAll
    static void drain() throws Exception {
        ProfilesAndCategoriesTest.start(); // a database and handler of this class's own, with that class's helpers
        account = account("Screen time");
        admin = token(account, Scope.ADMIN);
        viewer = token(account, Scope.READ);
        phone = UUID.fromString(device(admin, "Phone"));
        tablet = UUID.fromString(device(admin, "Tablet"));
        laptop = UUID.fromString(device(admin, "Laptop"));
        outsider = UUID.fromString(device(admin, "Parent's phone"));
        child = profile(admin, "Ana");
        for (UUID d : List.of(phone, tablet, laptop)) {
            ok(send("PATCH", "/api/v1/devices/" + d, admin, "{\"profile_id\":\"" + child + "\"}"), 200);
        }
        use(phone, "2026-10-30T14:00:00Z", Duration.ofMinutes(20)); // identical
        use(tablet, "2026-10-30T14:00:00Z", Duration.ofMinutes(20));
        use(phone, "2026-10-30T16:00:00Z", Duration.ofHours(2)); // nested
        use(tablet, "2026-10-30T16:30:10Z", Duration.ofSeconds(1810));
        use(phone, "2026-10-30T19:00:00Z", Duration.ofMinutes(30)); // adjacent
        use(tablet, "2026-10-30T19:30:00Z", Duration.ofMinutes(30));
        use(phone, "2026-10-30T20:50:03.200Z", Duration.ofMillis(1_238_700)); // across an hour
        use(laptop, "2026-10-30T21:05:00Z", Duration.ofMinutes(15));
        use(phone, "2026-10-31T03:50:00Z", Duration.ofMinutes(30)); // across New York's midnight
        use(laptop, "2026-10-31T04:10:00Z", Duration.ofMinutes(30));
        use(tablet, "2026-10-31T18:20:00Z", Duration.ofMinutes(20)); // across Kolkata's midnight and half-past hours
        use(laptop, "2026-10-31T18:25:00Z", Duration.ofMinutes(20));
        use(phone, "2026-11-01T05:30:00Z", Duration.ofMinutes(40)); // 01:30 EDT and 01:30 EST, the day of 25 hours
        use(tablet, "2026-11-01T06:10:00Z", Duration.ofMinutes(40));
        use(outsider, "2026-10-30T14:00:00Z", Duration.ofHours(3)); // not the profile's
        Random rnd = new Random(42);
        List<UUID> mine = List.of(phone, tablet, laptop);
        for (int i = 0; i < 60; i++) {
            long start = FROM.toEpochMilli() + (long) (rnd.nextDouble() * Duration.ofDays(4).toMillis());
            uses.add(new Use(mine.get(rnd.nextInt(3)), start, rnd.nextInt(4) == 0 ? rnd.nextInt(20_000) : rnd.nextInt(5_400_000)));
        }
        for (Use u : uses) {
            drained.add(new DrainEvent(account, u.device, u.start, 1, new UsageEvent(UUID.randomUUID().toString(), u.start, "screen", "on", u.ms)));
        }
        // And the same time as app usage: presence is per kind.
        drained.add(new DrainEvent(account, phone, FROM.toEpochMilli(), 1, new UsageEvent(UUID.randomUUID().toString(), FROM.toEpochMilli(), "app",
                "com.example", 86_400_000)));
        try (PostgresRollupStore store = new PostgresRollupStore(database())) {
            for (int i = 0; i < drained.size(); i += 7) { // several transactions, as drains come
                store.apply(drained.subList(i, Math.min(drained.size(), i + 7)));
            }
        }
    }

    @AfterAll
    static void stop() {
        ProfilesAndCategoriesTest.stop();
    }

    static Database database() {
        return new Database(ProfilesAndCategoriesTest.db.jdbcUrl(), ProfilesAndCategoriesTest.db.user(), ProfilesAndCategoriesTest.db.password());
    }

    static void use(UUID device, String start, Duration d) {
        uses.add(new Use(device, Instant.parse(start).toEpochMilli(), d.toMillis()));
    }

    static JsonNode screenTime(String profile, String query) {
        return ok(send("GET", "/api/v1/profiles/" + profile + "/screen-time?" + query, viewer, null), 200);
    }

    /** Checks every point of the answer against the brute force over the uses of these devices. */
    static void assertMatches(JsonNode answer, ZoneId zone, Collection<UUID> devices) {
        JsonNode points = answer.get("points");
        assertTrue(points.size() > 0);
        long combinedTotal = 0;
        for (JsonNode p : points) {
            OffsetDateTime start = OffsetDateTime.parse(p.get("bucket_start").asText());
            assertEquals(zone.getRules().getOffset(start.toInstant()), start.getOffset(), "bucket_start is written with the zone's offset");
            long from = start.toInstant().toEpochMilli();
            long to = switch (answer.get("step").asText()) {
                case "1w" -> start.atZoneSameInstant(zone).toLocalDate().plusWeeks(1).atStartOfDay(zone).toInstant().toEpochMilli();
                case "1d" -> start.atZoneSameInstant(zone).toLocalDate().plusDays(1).atStartOfDay(zone).toInstant().toEpochMilli();
                case "60m" -> from + 3_600_000L;
                case "5m" -> from + 300_000L;
                default -> throw new AssertionError(answer.get("step"));
            };
            List<Use> in = uses.stream().filter(u -> devices.contains(u.device)).toList();
            long combined = cellsCovered(in, from, to) * 15_000;
            long sum = 0;
            for (UUID d : devices) {
                sum += cellsCovered(in.stream().filter(u -> u.device.equals(d)).toList(), from, to) * 15_000;
            }
            String where = p.get("bucket_start").asText();
            assertEquals(combined, p.get("combined_ms").asLong(), "combined_ms at " + where);
            assertEquals(sum, p.get("sum_ms").asLong(), "sum_ms at " + where);
            long[] exact = exactUnion(in, from, to);
            assertTrue(Math.abs(exact[0] - combined) <= 7_500 * exact[1],
                    "at " + where + " the exact union is " + exact[0] + " ms with " + exact[1] + " edges inside; cells give " + combined);
            combinedTotal += combined;
        }
        assertTrue(combinedTotal > 0, "the range holds usage");
    }

    /** The 15-second cells of [from, to) whose midpoint some use covers, counted one by one. */
    static long cellsCovered(List<Use> in, long from, long to) {
        long n = 0;
        for (long cell = from; cell < to; cell += 15_000) {
            long mid = cell + 7_500;
            for (Use u : in) {
                if (mid >= u.start && mid < u.start + u.ms) {
                    n++;
                    break;
                }
            }
        }
        return n;
    }

    /** The exact measure of the union of the uses within [from, to), and how many edges of the union lie strictly inside. */
    static long[] exactUnion(List<Use> in, long from, long to) {
        List<long[]> clipped = new ArrayList<>();
        for (Use u : in) {
            long s = Math.max(from, u.start);
            long e = Math.min(to, u.start + u.ms);
            if (s < e) {
                clipped.add(new long[] {s, e});
            }
        }
        clipped.sort(Comparator.comparingLong(a -> a[0]));
        long measure = 0;
        long edges = 0;
        long curS = -1;
        long curE = -1;
        for (long[] c : clipped) {
            if (curE >= 0 && c[0] <= curE) {
                curE = Math.max(curE, c[1]);
                continue;
            }
            if (curE >= 0) {
                measure += curE - curS;
                edges += (curS > from ? 1 : 0) + (curE < to ? 1 : 0);
            }
            curS = c[0];
            curE = c[1];
        }
        if (curE >= 0) {
            measure += curE - curS;
            edges += (curS > from ? 1 : 0) + (curE < to ? 1 : 0);
        }
        return new long[] {measure, edges};
    }

    @Test
    void combinedAndSummedTimeMatchTheBruteForceByDayAcrossDaylightSavingInNewYork() {
        JsonNode answer = screenTime(child, "from=" + FROM + "&to=" + TO + "&tz=America/New_York&step=1d");
        assertEquals(List.of("2026-10-30T00:00:00-04:00", "2026-10-31T00:00:00-04:00", "2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00"),
                answer.get("points").findValuesAsText("bucket_start"));
        assertEquals("screen", answer.get("kind").asText());
        assertMatches(answer, NEW_YORK, List.of(phone, tablet, laptop));
        JsonNode first = answer.get("points").get(0);
        assertTrue(first.get("combined_ms").asLong() < first.get("sum_ms").asLong(), "devices overlapped that day: " + first);
    }

    @Test
    void hourBucketsInUtcAndInAZoneWhoseHoursStartAtHalfPast() {
        assertMatches(screenTime(child, "from=2026-10-30T13:00:00Z&to=2026-11-01T08:00:00Z&step=60m"), ZoneId.of("UTC"),
                List.of(phone, tablet, laptop));
        assertMatches(screenTime(child, "from=2026-10-30T13:00:00Z&to=2026-11-01T08:00:00Z&step=60m&tz=Asia/Kolkata"), KOLKATA,
                List.of(phone, tablet, laptop));
        assertMatches(screenTime(child, "from=" + FROM + "&to=" + TO + "&step=1d&tz=Asia/Kolkata"), KOLKATA, List.of(phone, tablet, laptop));
    }

    @Test
    void fiveMinuteAndWeekBucketsToo() {
        assertMatches(screenTime(child, "from=2026-10-30T20:30:00Z&to=2026-10-31T05:00:00Z&step=5m&tz=Asia/Kolkata"), KOLKATA,
                List.of(phone, tablet, laptop));
        assertMatches(screenTime(child, "from=" + FROM + "&to=" + TO + "&step=1w&tz=America/New_York"), NEW_YORK, List.of(phone, tablet, laptop));
        JsonNode weeks = screenTime(child, "from=" + FROM + "&to=" + TO + "&step=1w&tz=America/New_York");
        assertEquals(List.of("2026-10-26T00:00:00-04:00", "2026-11-02T00:00:00-05:00"), weeks.get("points").findValuesAsText("bucket_start"),
                "ISO weeks from Monday, the second after the clocks went back");
    }

    @Test
    void withoutAStepTheRangesStepOrTheFirstCoarserOneThatFits() {
        JsonNode week = screenTime(child, "from=" + FROM + "&to=" + FROM.plus(Duration.ofDays(7)));
        assertEquals("60m", week.get("step").asText(), "7 days at 5m would be 2 016 points");
        assertEquals("UTC", week.get("tz").asText());
        assertEquals("1d", screenTime(child, "from=2026-01-01T00:00:00Z&to=2026-11-01T00:00:00Z").get("step").asText());
        assertEquals("5m", screenTime(child, "from=" + FROM + "&to=" + FROM.plus(Duration.ofDays(2))).get("step").asText());
    }

    @Test
    void identicalNestedAndAdjacentIntervalsCountOnce() {
        JsonNode hours = screenTime(child, "from=2026-10-30T14:00:00Z&to=2026-10-30T20:00:00Z&step=60m").get("points");
        assertEquals(20 * 60_000, hours.get(0).get("combined_ms").asLong(), "identical: once");
        assertEquals(40 * 60_000, hours.get(0).get("sum_ms").asLong());
        long nested = hours.get(2).get("combined_ms").asLong() + hours.get(3).get("combined_ms").asLong();
        assertEquals(2 * 3_600_000, nested, "nested: the outer interval");
        assertEquals(3_600_000, hours.get(5).get("combined_ms").asLong(), "adjacent: end to end, no gap, no overlap");
    }

    @Test
    void redeliveredAndDuplicatedEventsLeaveTheFiguresUnchanged() throws Exception {
        String query = "from=" + FROM + "&to=" + TO + "&tz=America/New_York&step=1d";
        JsonNode before = screenTime(child, query).get("points");
        try (PostgresRollupStore store = new PostgresRollupStore(database())) {
            assertEquals(0, store.apply(drained).counted(), "redelivered: every event already counted");
            // The same uses again under new event ids (a client that lost its ids): the rollups count them, presence does not.
            List<DrainEvent> again = new ArrayList<>();
            for (DrainEvent e : drained) {
                again.add(new DrainEvent(e.accountId(), e.deviceId(), e.receivedAtMillis(), 1, new UsageEvent(UUID.randomUUID().toString(),
                        e.event().tsMillis(), e.event().kind(), e.event().key(), e.event().durationMs())));
            }
            assertEquals(again.size(), store.apply(again).counted());
        }
        assertEquals(before, screenTime(child, query).get("points"));
    }

    @Test
    void movingADeviceMovesItsHistoryAndOtherAccountsAndUnknownProfilesAreNotFound() {
        UUID other = account("Other family");
        String otherProfile = profile(token(other, Scope.ADMIN), "Ben");
        String ben = profile(admin, "Ben");
        String query = "from=" + FROM + "&to=" + TO + "&tz=America/New_York&step=1d";
        ok(send("PATCH", "/api/v1/devices/" + laptop, admin, "{\"profile_id\":\"" + ben + "\"}"), 200);
        try {
            assertMatches(screenTime(child, query), NEW_YORK, List.of(phone, tablet));
            assertMatches(screenTime(ben, query), NEW_YORK, List.of(laptop));
            JsonNode alone = screenTime(ben, query).get("points");
            for (JsonNode p : alone) {
                assertEquals(p.get("sum_ms").asLong(), p.get("combined_ms").asLong(), "one device: combined is the sum");
            }
        } finally {
            ok(send("PATCH", "/api/v1/devices/" + laptop, admin, "{\"profile_id\":\"" + child + "\"}"), 200);
        }
        assertError(send("GET", "/api/v1/profiles/" + otherProfile + "/screen-time", viewer, null), 404, "not_found");
        assertError(send("GET", "/api/v1/profiles/" + UUID.randomUUID() + "/screen-time", viewer, null), 404, "not_found");
        for (JsonNode p : ok(send("GET", "/api/v1/profiles/" + otherProfile + "/screen-time?" + query, token(other, Scope.READ), null), 200)
                .get("points")) {
            assertEquals(0, p.get("combined_ms").asLong(), "an empty profile of another account sees none of this one's presence");
        }
        // The reader itself, asked for this account's devices under another account, finds nothing.
        try (var pool = new io.nuscape.postgres.ConnectionPool(database(), 1, 5_000)) {
            var segments = List.of(new io.nuscape.core.usage.UsageReader.PresenceSegment(Instant.parse("2026-10-30T00:00:00Z"), 0, 5_760));
            var reader = new io.nuscape.postgres.PostgresUsageReader(pool);
            assertTrue(reader.presence(account, List.of(phone), "screen", segments).get(0).unionCells() > 0);
            assertEquals(0, reader.presence(other, List.of(phone), "screen", segments).get(0).unionCells(), "another account's rows are not read");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void badParametersAnswer400WithAMessage() {
        Map<String, String> bad = Map.of(
                "tz=Mars/Olympus_Mons", "IANA time zone",
                "tz=%2B02:00", "IANA time zone",
                "step=2d", "1m, 5m, 60m, 1d or 1w",
                "kind=Screen", "kind",
                "from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&step=1m", "at most 1500 points",
                "from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", "after");
        bad.forEach((query, message) -> {
            var r = send("GET", "/api/v1/profiles/" + child + "/screen-time?" + query, viewer, null);
            assertError(r, 400, "invalid_request");
            assertTrue(r.getBody().contains(message), query + ": " + r.getBody());
        });
        assertError(send("GET", "/api/v1/profiles/not-a-uuid/screen-time", viewer, null), 404, "not_found");
    }
}
