package io.nuscape.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.core.Json;
import io.nuscape.core.Settings;
import io.nuscape.core.auth.KeySet;
import io.nuscape.core.auth.KeySource;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.TokenIssuer;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.Migrator;
import io.nuscape.testkit.TestDatabase;
import io.nuscape.testkit.TestKeys;
import io.nuscape.testkit.TestPostgres;
import io.nuscape.testkit.TestRedis;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Dashboards against rollup rows written by the test, checked against sums the test computes itself. */
class UsageTest {
    static ApiHandler api;
    static TestDatabase db;
    static TokenIssuer issuer;
    static final TestKeys.Key KEY = TestKeys.hs256("usage-test");
    static final UUID A = UUID.randomUUID();
    static final UUID B = UUID.randomUUID();
    static final UUID DEVICE_A1 = UUID.randomUUID();
    static final UUID DEVICE_A2 = UUID.randomUUID();
    static final UUID DEVICE_B = UUID.randomUUID();
    /** A fixed hour two hours back, so all rows sit in existing partitions. */
    static final Instant H = Instant.ofEpochMilli((System.currentTimeMillis() / 3_600_000L - 2) * 3_600_000L);
    /** (table|device|minute|kind|key) -> [events, duration] as written. */
    static final Map<String, long[]> rows = new TreeMap<>();

    @BeforeAll
    static void start() throws Exception {
        db = TestPostgres.newDatabase("usage");
        new Migrator(new Database(db.jdbcUrl(), db.user(), db.password())).migrate();
        Map<String, String> env = ApiEnvironment.of(db, "usage", KEY);
        api = new ApiHandler(Settings.from(env));
        issuer = new TokenIssuer(KeySource.of(KeySet.parse(TestKeys.keySet(KEY))), Optional.empty(), "nuscape", "nuscape");
        // Minute rows over 3 hours around H for two devices of A and one of B; 5m and 60m rows are their sums.
        Random rnd = new Random(11);
        try (Connection c = db.connect()) {
            for (String table : new String[] {"usage_1m", "usage_5m", "usage_60m"}) {
                try (PreparedStatement p = c.prepareStatement("INSERT INTO " + table + " VALUES (?, ?, ?, ?, ?, ?, ?)"
                        + " ON CONFLICT (account_id, device_id, bucket_start, kind, key) DO UPDATE SET events = "
                        + table + ".events + EXCLUDED.events, duration_ms = " + table + ".duration_ms + EXCLUDED.duration_ms")) {
                    rnd.setSeed(11);
                    long step = table.equals("usage_1m") ? 60_000 : table.equals("usage_5m") ? 300_000 : 3_600_000;
                    for (int minute = -60; minute < 120; minute++) {
                        for (UUID[] ad : new UUID[][] {{A, DEVICE_A1}, {A, DEVICE_A2}, {B, DEVICE_B}}) {
                            for (String key : new String[] {"app.x", "app.y", "site.z"}) {
                                if (rnd.nextInt(3) == 0) {
                                    continue;
                                }
                                String kind = key.startsWith("site") ? "web" : "app";
                                long events = rnd.nextInt(5);
                                long duration = rnd.nextInt(60_000);
                                long t = H.toEpochMilli() + minute * 60_000L;
                                p.setObject(1, ad[0]);
                                p.setObject(2, ad[1]);
                                p.setTimestamp(3, Timestamp.from(Instant.ofEpochMilli(Math.floorDiv(t, step) * step)));
                                p.setString(4, kind);
                                p.setString(5, key);
                                p.setLong(6, events);
                                p.setLong(7, duration);
                                p.addBatch();
                                if (table.equals("usage_1m")) {
                                    rows.put(ad[0] + "|" + ad[1] + "|" + t + "|" + kind + "|" + key, new long[] {events, duration});
                                }
                            }
                        }
                    }
                    p.executeBatch();
                }
            }
        }
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    static APIGatewayV2HTTPResponse get(UUID account, String pathAndQuery) {
        String token = issuer.issue(account, UUID.randomUUID().toString(), Set.of(Scope.READ), 0, Instant.now(), Duration.ofHours(1));
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        String query = q < 0 ? "" : pathAndQuery.substring(q + 1);
        Map<String, String> params = new HashMap<>();
        if (!query.isEmpty()) {
            for (String pair : query.split("&")) {
                String[] kv = pair.split("=", 2);
                params.put(kv[0], java.net.URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
            }
        }
        return api.handleRequest(APIGatewayV2HTTPEvent.builder().withRawPath(path).withRawQueryString(query)
                .withQueryStringParameters(params.isEmpty() ? null : params)
                .withHeaders(Map.of("authorization", "Bearer " + token))
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder().withRequestId("r")
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod("GET").withPath(path).build()).build())
                .build(), null);
    }

    static JsonNode ok(APIGatewayV2HTTPResponse r) throws Exception {
        assertEquals(200, r.getStatusCode(), r.getBody());
        return Json.mapper().readTree(r.getBody());
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Independent sums over the written minute rows: [events, duration] per key within [from, to). */
    static Map<String, long[]> expectedTop(UUID account, Instant from, Instant to, String kind, UUID device, long bucketMillis) {
        long start = Math.floorDiv(from.toEpochMilli(), bucketMillis) * bucketMillis;
        Map<String, long[]> out = new HashMap<>();
        rows.forEach((k, v) -> {
            String[] p = k.split("\\|");
            long t = Long.parseLong(p[2]);
            long bucket = Math.floorDiv(t, bucketMillis) * bucketMillis;
            if (p[0].equals(account.toString()) && (device == null || p[1].equals(device.toString())) && p[3].equals(kind)
                    && bucket >= start && bucket < to.toEpochMilli()) {
                long[] s = out.computeIfAbsent(p[4], x -> new long[2]);
                s[0] += v[0];
                s[1] += v[1];
            }
        });
        return out;
    }

    @Test
    void topEqualsIndependentSumsAtEveryGranularityAndAcrossBucketEdges() throws Exception {
        Object[][] cases = {
            {H.minusSeconds(90), H.plusSeconds(3 * 3600 - 7200), "1m", 60_000L},      // 2.5 h, starts mid-minute
            {H.minusSeconds(1000), H.plusSeconds(3600 * 7), "5m", 300_000L},           // 7 h: starts mid-5-minutes
            {H.minusSeconds(3600), H.plusSeconds(3600 * 24 * 15), "60m", 3_600_000L},  // 15 days
        };
        for (Object[] c : cases) {
            Instant from = (Instant) c[0];
            Instant to = (Instant) c[1];
            for (UUID device : new UUID[] {null, DEVICE_A2}) {
                JsonNode body = ok(get(A, "/api/v1/usage/top?from=" + enc(from.toString()) + "&to=" + enc(to.toString())
                        + (device == null ? "" : "&device_id=" + device)));
                assertEquals(c[2], body.get("granularity").asText());
                Map<String, long[]> expected = expectedTop(A, from, to, "app", device, (Long) c[3]);
                assertEquals(expected.size(), body.get("items").size(), body.toString());
                long previous = Long.MAX_VALUE;
                for (JsonNode item : body.get("items")) {
                    long[] e = expected.get(item.get("key").asText());
                    assertEquals(e[0], item.get("events").asLong(), item.toString());
                    assertEquals(e[1], item.get("duration_ms").asLong(), item.toString());
                    assertTrue(item.get("duration_ms").asLong() <= previous, "ordered by duration");
                    previous = item.get("duration_ms").asLong();
                }
            }
        }
        JsonNode web = ok(get(A, "/api/v1/usage/top?kind=web&limit=1&from=" + enc(H.minusSeconds(3600).toString()) + "&to=" + enc(H.plusSeconds(7200).toString())));
        assertEquals(1, web.get("items").size());
        assertEquals("site.z", web.get("items").get(0).get("key").asText());
    }

    @Test
    void timeseriesIsDenseAndMatchesTheRowsOfEachBucket() throws Exception {
        Instant from = H.minusSeconds(600);
        Instant to = H.plusSeconds(1800);
        JsonNode body = ok(get(A, "/api/v1/usage/timeseries?step=5m&kind=app&key=app.x&device_id=" + DEVICE_A1
                + "&from=" + enc(from.toString()) + "&to=" + enc(to.toString())));
        assertEquals("5m", body.get("step").asText());
        JsonNode points = body.get("points");
        assertEquals(8, points.size(), "10 min before H to 30 min after: 8 buckets of 5 minutes, empty ones too");
        for (JsonNode p : points) {
            long bucket = Instant.parse(p.get("bucket_start").asText()).toEpochMilli();
            long[] sum = new long[2];
            rows.forEach((k, v) -> {
                String[] f = k.split("\\|");
                long t = Long.parseLong(f[2]);
                if (f[1].equals(DEVICE_A1.toString()) && f[4].equals("app.x") && t >= bucket && t < bucket + 300_000) {
                    sum[0] += v[0];
                    sum[1] += v[1];
                }
            });
            assertEquals(sum[0], p.get("events").asLong(), p.toString());
            assertEquals(sum[1], p.get("duration_ms").asLong(), p.toString());
        }
        JsonNode empty = ok(get(A, "/api/v1/usage/timeseries?step=60m&from=" + enc(H.minus(Duration.ofDays(3)).toString())
                + "&to=" + enc(H.minus(Duration.ofDays(2)).toString())));
        assertEquals(24, empty.get("points").size());
        empty.get("points").forEach(p -> assertEquals(0, p.get("events").asLong()));
    }

    @Test
    void anotherAccountNeverSeesTheseRows() throws Exception {
        String range = "from=" + enc(H.minusSeconds(3600).toString()) + "&to=" + enc(H.plusSeconds(7200).toString());
        JsonNode topB = ok(get(B, "/api/v1/usage/top?" + range));
        Map<String, long[]> expected = expectedTop(B, H.minusSeconds(3600), H.plusSeconds(7200), "app", null, 60_000);
        for (JsonNode item : topB.get("items")) {
            assertEquals(expected.get(item.get("key").asText())[0], item.get("events").asLong());
        }
        // A's device id in B's query: B's rows only, and A's device has none there.
        JsonNode foreign = ok(get(B, "/api/v1/usage/top?device_id=" + DEVICE_A1 + "&" + range));
        assertEquals(0, foreign.get("items").size());
        JsonNode series = ok(get(B, "/api/v1/usage/timeseries?device_id=" + DEVICE_A1 + "&" + range));
        series.get("points").forEach(p -> assertEquals(0, p.get("events").asLong()));
    }

    @Test
    void badParametersAre400WithAMessageAndNeverReachTheDatabaseUnparameterised() throws Exception {
        String[] bad = {
            "/api/v1/usage/top?from=yesterday",
            "/api/v1/usage/top?to=2026-13-01T00:00:00Z",
            "/api/v1/usage/top?from=" + enc(H.toString()) + "&to=" + enc(H.minusSeconds(60).toString()),
            "/api/v1/usage/top?from=" + enc(H.minus(Duration.ofDays(401)).toString()) + "&to=" + enc(H.toString()),
            "/api/v1/usage/timeseries?step=1m&from=" + enc(H.minus(Duration.ofDays(2)).toString()) + "&to=" + enc(H.toString()),
            "/api/v1/usage/top?limit=0",
            "/api/v1/usage/top?limit=101",
            "/api/v1/usage/top?limit=ten",
            "/api/v1/usage/top?kind=Unknown%20Kind",
            "/api/v1/usage/top?step=2m",
            "/api/v1/usage/top?step=1d", // a top has no buckets: days and weeks are for series
            "/api/v1/usage/timeseries?step=2d&tz=UTC",
            "/api/v1/usage/timeseries?tz=" + enc("+05:30"),
            "/api/v1/usage/top?device_id=" + enc("x' OR '1'='1"),
            "/api/v1/usage/top?kind=" + enc("app'; DROP TABLE usage_1m; --"),
            "/api/v1/usage/timeseries?key=" + enc("k\u0000"),
            "/api/v1/usage/top?from=" + enc("2026-01-01T00:00:00Z' OR 1=1 --"),
        };
        for (String path : bad) {
            APIGatewayV2HTTPResponse r = get(A, path);
            assertEquals(400, r.getStatusCode(), path + " -> " + r.getBody());
            JsonNode body = Json.mapper().readTree(r.getBody());
            assertEquals("invalid_request", body.get("error").asText());
            assertTrue(body.get("message").asText().length() > 10);
        }
        // A key built to break SQL is just a key with no rows.
        JsonNode injected = ok(get(A, "/api/v1/usage/timeseries?key=" + enc("x' OR '1'='1") + "&step=60m"));
        injected.get("points").forEach(p -> assertEquals(0, p.get("events").asLong()));
        ok(get(A, "/api/v1/usage/top"));
    }

    /**
     * Days, ISO weeks and clock hours of a zone (issue 12's first route): every point equals the written minute
     * rows of that local day, week or hour, summed here with java.time alone; the offsets are the zone's.
     */
    @Test
    void aZonesDaysWeeksAndHoursAddUpTheMinutesThatFallInThem() throws Exception {
        Instant from = H.minus(Duration.ofDays(3));
        Instant to = H.plus(Duration.ofDays(3));
        for (String[] c : new String[][] {{"1d", "Asia/Kolkata", "5m"}, {"1d", "America/New_York", "60m"}, {"1w", "Europe/Paris", "60m"},
            {"60m", "Asia/Kolkata", "5m"}, {"1d", "UTC", "60m"}}) {
            java.time.ZoneId zone = java.time.ZoneId.of(c[1]);
            JsonNode r = ok(get(A, "/api/v1/usage/timeseries?from=" + from + "&to=" + to + "&step=" + c[0] + "&tz=" + enc(c[1])));
            assertEquals(c[0], r.get("step").asText());
            assertEquals(c[1], r.get("tz").asText());
            assertEquals(c[2], r.get("granularity").asText(), "the coarsest rollups that fill " + c[0] + " of " + c[1] + " exactly");
            Map<String, long[]> expected = new TreeMap<>();
            long total = 0;
            for (var e : rows.entrySet()) {
                String[] k = e.getKey().split("\\|");
                long t = Long.parseLong(k[2]);
                if (!k[0].equals(A.toString()) || t < from.toEpochMilli() || t >= to.toEpochMilli()) {
                    continue;
                }
                expected.merge(localBucket(Instant.ofEpochMilli(t), zone, c[0]), new long[] {e.getValue()[1]}, (x, y) -> new long[] {x[0] + y[0]});
            }
            long seen = 0;
            for (JsonNode point : r.get("points")) {
                java.time.OffsetDateTime start = java.time.OffsetDateTime.parse(point.get("bucket_start").asText());
                assertEquals(zone.getRules().getOffset(start.toInstant()), start.getOffset(), "the zone's offset: " + point);
                String bucket = localBucket(start.toInstant(), zone, c[0]);
                assertEquals(start.atZoneSameInstant(zone).toLocalDateTime().toString(), bucket.substring(bucket.indexOf('@') + 1), point.toString());
                long want = expected.getOrDefault(bucket, new long[1])[0];
                assertEquals(want, point.get("duration_ms").asLong(), c[0] + " " + c[1] + " " + point);
                seen += point.get("duration_ms").asLong();
            }
            for (long[] v : expected.values()) {
                total += v[0];
            }
            assertEquals(total, seen, c[0] + " " + c[1] + ": every minute in exactly one point");
        }
        assertEquals(400, get(A, "/api/v1/usage/timeseries?step=1d&tz=Mars/Olympus").getStatusCode());
        assertEquals(400, get(A, "/api/v1/usage/timeseries?from=2025-01-01T00:00:00Z&to=2025-12-31T00:00:00Z&step=60m&tz=UTC").getStatusCode(),
                "more than 1 500 points");
    }

    /**
     * An account keeping 5m rollups 2 days: a Kolkata day (exact only from 5m rollups) older than that is answered
     * from the hours, marked approximate, never zero; newer days from the 5m rollups, exact. In UTC every day is
     * exact from the hours.
     */
    @Test
    void aPartOfTheRangeWhoseFinerRollupsExpiredIsAnsweredFromCoarserOnesAndSaysSo() throws Exception {
        UUID account = UUID.randomUUID();
        UUID device = UUID.randomUUID();
        Instant old = H.minus(Duration.ofDays(10));
        Instant recent = H.minus(Duration.ofDays(1));
        try (Connection c = db.connect()) {
            enrollKeeping(c, account, device, 1, 2, 400);
            try (PreparedStatement p = c.prepareStatement("INSERT INTO usage_60m VALUES (?, ?, ?, 'app', 'k', 1, ?)")) {
                for (Instant at : List.of(old, recent)) {
                    p.setObject(1, account);
                    p.setObject(2, device);
                    p.setTimestamp(3, Timestamp.from(at));
                    p.setLong(4, 3_600_000L);
                    p.executeUpdate();
                }
            }
            try (PreparedStatement p = c.prepareStatement("INSERT INTO usage_5m VALUES (?, ?, ?, 'app', 'k', 1, ?)")) {
                for (int m = 0; m < 12; m++) { // the recent hour only: the old one's 5m rows are past the 2-day retention
                    p.setObject(1, account);
                    p.setObject(2, device);
                    p.setTimestamp(3, Timestamp.from(recent.plusSeconds(300L * m)));
                    p.setLong(4, 300_000L);
                    p.executeUpdate();
                }
            }
        }
        Instant from = H.minus(Duration.ofDays(12));
        Instant to = H.plus(Duration.ofHours(1));
        JsonNode kolkata = ok(get(account, "/api/v1/usage/timeseries?from=" + from + "&to=" + to + "&step=1d&tz=Asia%2FKolkata"));
        assertTrue(kolkata.get("approximate").asBoolean());
        long oldSum = 0;
        long recentSum = 0;
        for (JsonNode point : kolkata.get("points")) {
            Instant start = java.time.OffsetDateTime.parse(point.get("bucket_start").asText()).toInstant();
            boolean expired = start.isBefore(Instant.now().minus(Duration.ofDays(2)));
            assertEquals(expired ? "60m" : "5m", point.get("granularity").asText(), point.toString());
            assertEquals(expired, point.has("approximate"), point.toString());
            if (expired) {
                oldSum += point.get("duration_ms").asLong();
            } else {
                recentSum += point.get("duration_ms").asLong();
            }
        }
        assertEquals(3_600_000L, oldSum, "the old day answered from the hours, not zero");
        assertEquals(3_600_000L, recentSum, "the recent day from the 5m rollups");
        // A 2-hour window 10 days ago asks minutes (kept 1 day here): the hours answer, and say so.
        JsonNode top = ok(get(account, "/api/v1/usage/top?from=" + old + "&to=" + old.plus(Duration.ofHours(2))));
        assertEquals("60m", top.get("granularity").asText());
        assertEquals(3_600_000L, top.get("items").get(0).get("duration_ms").asLong(), "not zero");
        JsonNode utc = ok(get(account, "/api/v1/usage/timeseries?from=" + from + "&to=" + to + "&step=1d&tz=UTC"));
        assertEquals(false, utc.get("approximate").asBoolean());
        for (JsonNode point : utc.get("points")) {
            assertEquals("60m", point.get("granularity").asText());
        }
    }

    /**
     * Where the hours meet the 5m rollups in a half-hour zone (Kolkata midnight is 18:30 UTC), the hour row from 18:00
     * straddles the seam: its minutes count once, those before the seam in the older (approximate) day, those after
     * in the first exact day, never the half hour twice.
     */
    @Test
    void theSeamBetweenHoursAndFiveMinutesCountsEachMinuteOnce() throws Exception {
        UUID account = UUID.randomUUID();
        UUID device = UUID.randomUUID();
        java.time.ZoneId kolkata = java.time.ZoneId.of("Asia/Kolkata");
        Instant edge = Instant.now().minus(Duration.ofDays(2));
        Instant seam = java.time.LocalDate.ofInstant(edge, kolkata).plusDays(1).atStartOfDay(kolkata).toInstant();
        Instant hour = seam.minus(Duration.ofMinutes(30));
        try (Connection c = db.connect()) {
            enrollKeeping(c, account, device, 1, 2, 400);
            try (PreparedStatement p = c.prepareStatement("INSERT INTO usage_60m VALUES (?, ?, ?, 'app', 'k', 12, 3600000)")) {
                p.setObject(1, account);
                p.setObject(2, device);
                p.setTimestamp(3, Timestamp.from(hour));
                p.executeUpdate();
            }
            try (PreparedStatement p = c.prepareStatement("INSERT INTO usage_5m VALUES (?, ?, ?, 'app', 'k', 1, 300000)")) {
                for (int m = 0; m < 12; m++) {
                    p.setObject(1, account);
                    p.setObject(2, device);
                    p.setTimestamp(3, Timestamp.from(hour.plusSeconds(300L * m)));
                    p.executeUpdate();
                }
            }
        }
        JsonNode days = ok(get(account, "/api/v1/usage/timeseries?from=" + seam.minus(Duration.ofDays(2)) + "&to=" + seam.plus(Duration.ofDays(1))
                + "&step=1d&tz=Asia%2FKolkata"));
        long total = 0;
        long events = 0;
        for (JsonNode point : days.get("points")) {
            Instant start = java.time.OffsetDateTime.parse(point.get("bucket_start").asText()).toInstant();
            long expected = start.equals(seam) || start.equals(seam.minus(Duration.ofDays(1))) ? 1_800_000L : 0L;
            assertEquals(expected, point.get("duration_ms").asLong(), point.toString());
            assertEquals(start.isBefore(seam) ? "60m" : "5m", point.get("granularity").asText(), point.toString());
            total += point.get("duration_ms").asLong();
            events += point.get("events").asLong();
        }
        assertEquals(3_600_000L, total, "the straddling hour once");
        assertEquals(12, events);
    }

    /** An account and its device, with a policy keeping each granularity the days given. */
    static void enrollKeeping(Connection c, UUID account, UUID device, int days1m, int days5m, int days60m) throws Exception {
        io.nuscape.testkit.Enrollment.enroll(c, Map.of(device, account));
        try (PreparedStatement p = c.prepareStatement("INSERT INTO policies (account_id, retention_days_1m, retention_days_5m, retention_days_60m)"
                + " VALUES (?, ?, ?, ?)")) {
            p.setObject(1, account);
            p.setInt(2, days1m);
            p.setInt(3, days5m);
            p.setInt(4, days60m);
            p.executeUpdate();
        }
    }

    /** Sums of the written minute rows of an account in [from, to) (minute-aligned bounds): per device, per kind, and in all. */
    static Map<String, long[]> sums(UUID account, Instant from, Instant to, int field) {
        Map<String, long[]> out = new TreeMap<>();
        rows.forEach((k, v) -> {
            String[] p = k.split("\\|");
            long t = Long.parseLong(p[2]);
            if (p[0].equals(account.toString()) && t >= from.toEpochMilli() && t < to.toEpochMilli()) {
                for (String group : new String[] {"all", p[field]}) {
                    long[] x = out.computeIfAbsent(group, g -> new long[2]);
                    x[0] += v[0];
                    x[1] += v[1];
                }
            }
        });
        return out;
    }

    @Test
    void aSummaryAndItsPreviousPeriodAndBreakdownsEqualIndependentSums() throws Exception {
        Instant from = H;
        Instant to = H.plus(Duration.ofHours(1));
        JsonNode s = ok(get(A, "/api/v1/usage/summary?from=" + from + "&to=" + to + "&compare=previous&tz=Europe%2FParis"));
        Map<String, long[]> byDevice = sums(A, from, to, 1);
        assertEquals(byDevice.get("all")[1], s.get("duration_ms").asLong());
        assertEquals(byDevice.get("all")[0], s.get("events").asLong());
        assertEquals(byDevice.size() - 1, s.get("active_devices").asInt());
        assertEquals("1m", s.get("granularity").asText());
        assertTrue(s.get("top").size() > 0);
        Map<String, long[]> before = sums(A, from.minus(Duration.ofHours(1)), from, 1);
        JsonNode previous = s.get("previous");
        assertEquals(from.minus(Duration.ofHours(1)).toString(), previous.get("from").asText());
        assertEquals(before.get("all")[1], previous.get("duration_ms").asLong());
        assertEquals(before.size() - 1, previous.get("active_devices").asInt());

        JsonNode devices = ok(get(A, "/api/v1/usage/breakdown?by=device&from=" + from + "&to=" + to));
        assertEquals(byDevice.size() - 1, devices.get("items").size());
        long last = Long.MAX_VALUE;
        for (JsonNode item : devices.get("items")) {
            assertEquals(byDevice.get(item.get("value").asText())[1], item.get("duration_ms").asLong());
            assertTrue(item.get("duration_ms").asLong() <= last, "by duration, descending");
            last = item.get("duration_ms").asLong();
        }
        Map<String, long[]> byKind = sums(A, from, to, 3);
        for (JsonNode item : ok(get(A, "/api/v1/usage/breakdown?by=kind&from=" + from + "&to=" + to)).get("items")) {
            assertEquals(byKind.get(item.get("value").asText())[1], item.get("duration_ms").asLong());
        }
        JsonNode profiles = ok(get(A, "/api/v1/usage/breakdown?by=profile&from=" + from + "&to=" + to)).get("items");
        assertEquals(1, profiles.size(), "no profiles here: every device is unassigned");
        assertEquals("unassigned", profiles.get(0).get("value").asText());
        assertEquals(byDevice.get("all")[1], profiles.get(0).get("duration_ms").asLong());
        JsonNode categories = ok(get(A, "/api/v1/usage/breakdown?by=category&from=" + from + "&to=" + to)).get("items");
        assertEquals("uncategorized", categories.get(0).get("value").asText(), "no rules: every key uncategorized");
        assertEquals(byDevice.get("all")[1], categories.get(0).get("duration_ms").asLong());
        JsonNode other = ok(get(B, "/api/v1/usage/breakdown?by=device&from=" + from + "&to=" + to));
        assertEquals(List.of(DEVICE_B.toString()), java.util.stream.StreamSupport.stream(other.get("items").spliterator(), false)
                .map(x -> x.get("value").asText()).toList(), "only the account's own devices");
        assertEquals(400, get(A, "/api/v1/usage/breakdown?by=color").getStatusCode());
        assertEquals(400, get(A, "/api/v1/usage/breakdown").getStatusCode());
        assertEquals(400, get(A, "/api/v1/usage/summary?compare=next").getStatusCode());
        assertEquals(400, get(A, "/api/v1/usage/summary?tz=Nowhere%2FLand").getStatusCode());
    }

    /** The local bucket (day, ISO week from Monday, or clock hour) holding the instant, as "kind@local start". */
    static String localBucket(Instant t, java.time.ZoneId zone, String step) {
        java.time.LocalDateTime local = t.atZone(zone).toLocalDateTime();
        java.time.LocalDateTime start = switch (step) {
            case "1d" -> local.toLocalDate().atStartOfDay();
            case "1w" -> local.toLocalDate().with(java.time.temporal.TemporalAdjusters.previousOrSame(java.time.DayOfWeek.MONDAY)).atStartOfDay();
            default -> local.truncatedTo(java.time.temporal.ChronoUnit.HOURS);
        };
        // A day starting in a gap (none of these zones has one at midnight) would start later; the test's zones do not.
        return step + "@" + start;
    }
}
