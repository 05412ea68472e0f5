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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Daily limits through the handler on real Postgres, with events written by the drainer's own store: a
 * profile's limit on everything counts combined time, a category or key limit the sum; days are the limit
 * zone's, 25 hours long on 2026-11-01 in New York; a change applies to the day at once; another account's
 * profiles and limits are out of reach.
 */
class LimitsTest {
    static UUID account;
    static String admin;
    static String viewer;
    static String phone;
    static String tablet;
    static String child;

    @BeforeAll
    static void drain() throws Exception {
        ProfilesAndCategoriesTest.start(); // a database and handler of this class's own, with that class's helpers
        account = account("Limits");
        admin = token(account, Scope.ADMIN);
        viewer = token(account, Scope.READ);
        phone = device(admin, "Phone");
        tablet = device(admin, "Tablet");
        child = profile(admin, "Ana");
        for (String d : List.of(phone, tablet)) {
            ok(send("PATCH", "/api/v1/devices/" + d, admin, "{\"profile_id\":\"" + child + "\"}"), 200);
        }
        List<DrainEvent> events = new ArrayList<>();
        // 2026-11-01 in New York: 04:00Z to 05:00Z the next day (25 hours).
        screen(events, phone, "2026-11-01T05:30:00Z", Duration.ofMinutes(40));   // 01:30 EDT
        screen(events, tablet, "2026-11-01T06:00:00Z", Duration.ofMinutes(30));  // 01:00 EST: 10 minutes with the phone
        screen(events, tablet, "2026-11-02T04:30:00Z", Duration.ofMinutes(10));  // 23:30 EST: still November 1st
        screen(events, phone, "2026-11-01T03:30:00Z", Duration.ofMinutes(20));   // 23:30 EDT on October 31st
        // 2026-03-08 in New York: 05:00Z to 04:00Z the next day (23 hours).
        screen(events, phone, "2026-03-08T06:30:00Z", Duration.ofMinutes(60));   // 01:30 EST
        screen(events, phone, "2026-03-09T03:30:00Z", Duration.ofMinutes(20));   // 23:30 EDT: still March 8th
        screen(events, phone, "2026-03-09T04:10:00Z", Duration.ofMinutes(10));   // 00:10 EDT on March 9th
        app(events, tablet, "org.khanacademy", "2026-11-01T18:20:00Z", Duration.ofMinutes(20)); // across midnight in Kolkata (18:30Z)
        app(events, phone, "com.instagram.android", "2026-11-01T14:00:00Z", Duration.ofMinutes(30));
        app(events, tablet, "com.instagram.android", "2026-11-01T14:10:00Z", Duration.ofMinutes(20));
        app(events, tablet, "com.duolingo", "2026-11-01T15:00:00Z", Duration.ofMinutes(45));
        try (PostgresRollupStore store = new PostgresRollupStore(new Database(ProfilesAndCategoriesTest.db.jdbcUrl(),
                ProfilesAndCategoriesTest.db.user(), ProfilesAndCategoriesTest.db.password()))) {
            store.apply(events);
        }
        ok(send("PUT", "/api/v1/categories", admin, "{\"rules\":[{\"category\":\"social\",\"kind\":\"app\",\"match\":\"prefix\","
                + "\"pattern\":\"com.instagram\"}]}"), 200);
    }

    @AfterAll
    static void stop() {
        ProfilesAndCategoriesTest.stop();
    }

    static void screen(List<DrainEvent> out, String device, String start, Duration d) {
        app(out, device, "screen", "on", start, d);
    }

    static void app(List<DrainEvent> out, String device, String key, String start, Duration d) {
        app(out, device, "app", key, start, d);
    }

    static void app(List<DrainEvent> out, String device, String kind, String key, String start, Duration d) {
        long ts = Instant.parse(start).toEpochMilli();
        out.add(new DrainEvent(account, UUID.fromString(device), ts, 1, new UsageEvent(UUID.randomUUID().toString(), ts, kind, key, d.toMillis())));
    }

    static String create(String body) {
        return ok(send("POST", "/api/v1/limits", admin, body), 201).get("limit_id").asText();
    }

    static JsonNode status(String limit, String day) {
        return ok(send("GET", "/api/v1/limits/" + limit + "/status?day=" + day, viewer, null), 200);
    }

    @Test
    void aProfilesLimitOnEverythingCountsCombinedTimeOnTheZonesDayOf25Hours() {
        String limit = create("{\"profile_id\":\"" + child + "\",\"target\":{\"all\":true},\"daily_ms\":4200000,\"tz\":\"America/New_York\","
                + "\"warn_before_ms\":[300000,900000]}");
        JsonNode described = ok(send("GET", "/api/v1/limits/" + limit, viewer, null), 200);
        assertEquals("[900000,300000]", described.get("warn_before_ms").toString(), "warnings, latest first");
        assertEquals("{\"all\":true}", described.get("target").toString());
        JsonNode day = status(limit, "2026-11-01");
        // Phone 40 min and tablet 30 min overlapping 10: 60 min; the tablet's 10 min in the 25th hour: 70 min.
        assertEquals(70 * 60_000, day.get("used_ms").asLong(), day.toString());
        assertEquals("2026-11-01", day.get("day").asText());
        assertEquals("exceeded", day.get("state").asText(), "70 min used of a 70 min limit");
        assertEquals(0, day.get("remaining_ms").asLong());
        assertEquals(20 * 60_000, status(limit, "2026-10-31").get("used_ms").asLong(), "23:30 EDT is the day before");

        // Changed mid-day: the day's state follows at once.
        ok(send("PATCH", "/api/v1/limits/" + limit, admin, "{\"daily_ms\":4500000}"), 200);
        JsonNode warned = status(limit, "2026-11-01");
        assertEquals("warned", warned.get("state").asText(), "5 min left, within the 15-minute warning");
        assertEquals(5 * 60_000, warned.get("remaining_ms").asLong());
        ok(send("PATCH", "/api/v1/limits/" + limit, admin, "{\"daily_ms\":36000000}"), 200);
        assertEquals("ok", status(limit, "2026-11-01").get("state").asText());
        ok(send("PATCH", "/api/v1/limits/" + limit, admin, "{\"tz\":\"UTC\"}"), 200);
        assertEquals(20 * 60_000 + 60 * 60_000, status(limit, "2026-11-01").get("used_ms").asLong(),
                "in UTC, November 1st holds 03:30-03:50 and 05:30-06:30 (the overlap once), not 04:30 on the 2nd");
        JsonNode today = ok(send("GET", "/api/v1/limits/" + limit + "/status", viewer, null), 200);
        assertEquals(java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString(), today.get("day").asText(), "today in the limit's zone");
        assertEquals(0, today.get("used_ms").asLong());
        assertEquals("ok", today.get("state").asText());
    }

    @Test
    void theSpringDayHas23HoursAndHalfHourZonesCountFromFiveMinuteRollups() {
        String phoneAll = create("{\"device_id\":\"" + phone + "\",\"target\":{\"all\":true},\"daily_ms\":7200000,\"tz\":\"America/New_York\"}");
        assertEquals(80 * 60_000, status(phoneAll, "2026-03-08").get("used_ms").asLong(), "01:30 EST and 23:30 EDT, not 00:10 the next day");
        assertEquals(10 * 60_000, status(phoneAll, "2026-03-09").get("used_ms").asLong());
        String khan = create("{\"device_id\":\"" + tablet + "\",\"target\":{\"kind\":\"app\",\"key\":\"org.khanacademy\"},\"daily_ms\":600000,"
                + "\"tz\":\"Asia/Kolkata\",\"warn_before_ms\":[300000]}");
        JsonNode first = status(khan, "2026-11-01");
        assertEquals(10 * 60_000, first.get("used_ms").asLong(), "18:20 to 18:30 UTC is before midnight in Kolkata");
        assertEquals("exceeded", first.get("state").asText());
        assertEquals(10 * 60_000, status(khan, "2026-11-02").get("used_ms").asLong());
    }

    @Test
    void aLimitOfZeroIsExceededOnlyOnceSomethingIsUsed() {
        String none = create("{\"device_id\":\"" + tablet + "\",\"target\":{\"kind\":\"app\",\"key\":\"com.duolingo\"},\"daily_ms\":0}");
        assertEquals("ok", status(none, "2026-10-30").get("state").asText(), "nothing used, nothing exceeded");
        assertEquals("exceeded", status(none, "2026-11-01").get("state").asText());
        assertError(send("POST", "/api/v1/limits", admin, "{\"device_id\":\"" + tablet + "\",\"target\":{\"all\":true},\"daily_ms\":0,"
                + "\"warn_before_ms\":[1]}"), 400, "invalid_request");
    }

    @Test
    void categoryAndKeyLimitsCountTheSumOfTheDevices() {
        String social = create("{\"profile_id\":\"" + child + "\",\"target\":{\"category\":\"social\"},\"daily_ms\":3600000,\"tz\":\"America/New_York\"}");
        assertEquals(50 * 60_000, status(social, "2026-11-01").get("used_ms").asLong(), "30 + 20 minutes, overlapping or not");
        String key = create("{\"device_id\":\"" + tablet + "\",\"target\":{\"kind\":\"app\",\"key\":\"com.duolingo\"},\"daily_ms\":1800000}");
        JsonNode s = status(key, "2026-11-01");
        assertEquals(45 * 60_000, s.get("used_ms").asLong());
        assertEquals("exceeded", s.get("state").asText());
        assertEquals("UTC", ok(send("GET", "/api/v1/limits/" + key, viewer, null), 200).get("tz").asText(), "tz defaults to UTC");
        String phoneAll = create("{\"device_id\":\"" + phone + "\",\"target\":{\"all\":true},\"daily_ms\":86400000,\"tz\":\"America/New_York\"}");
        assertEquals(40 * 60_000, status(phoneAll, "2026-11-01").get("used_ms").asLong(), "a device's own screen time");
        List<String> listed = ok(send("GET", "/api/v1/limits", viewer, null), 200).get("limits").findValuesAsText("limit_id");
        assertTrue(listed.containsAll(List.of(social, key, phoneAll)), listed.toString());
        assertEquals(204, send("DELETE", "/api/v1/limits/" + key, admin, null).getStatusCode());
        assertError(send("GET", "/api/v1/limits/" + key, viewer, null), 404, "not_found");
        assertError(send("DELETE", "/api/v1/limits/" + key, admin, null), 404, "not_found");
    }

    @Test
    void deletingAProfileDeletesItsLimitsAndAnotherAccountsAreOutOfReach() {
        String other = profile(admin, "Ben");
        String limit = create("{\"profile_id\":\"" + other + "\",\"target\":{\"all\":true},\"daily_ms\":3600000}");
        assertEquals(204, send("DELETE", "/api/v1/profiles/" + other, admin, null).getStatusCode());
        assertError(send("GET", "/api/v1/limits/" + limit, viewer, null), 404, "not_found");
        List<String> targets = new ArrayList<>();
        ok(send("GET", "/api/v1/audit", admin, null), 200).get("entries").forEach(e -> targets.add(e.get("action").asText() + " " + e.get("target").asText()));
        assertTrue(targets.contains("limit.deleted limit:" + limit + " profile:" + other), "the limit that went with the profile is audited: " + targets);

        UUID b = account("Other family");
        String adminB = token(b, Scope.ADMIN);
        assertError(send("POST", "/api/v1/limits", adminB, "{\"profile_id\":\"" + child + "\",\"target\":{\"all\":true},\"daily_ms\":1}"), 400,
                "invalid_request");
        assertError(send("POST", "/api/v1/limits", adminB, "{\"device_id\":\"" + phone + "\",\"target\":{\"all\":true},\"daily_ms\":1}"), 400,
                "invalid_request");
        String mine = create("{\"profile_id\":\"" + child + "\",\"target\":{\"all\":true},\"daily_ms\":3600000}");
        assertError(send("GET", "/api/v1/limits/" + mine + "/status", token(b, Scope.READ), null), 404, "not_found");
        assertError(send("PATCH", "/api/v1/limits/" + mine, adminB, "{\"daily_ms\":1}"), 404, "not_found");
        assertEquals(0, ok(send("GET", "/api/v1/limits", token(b, Scope.READ), null), 200).get("limits").size());
        assertError(send("POST", "/api/v1/limits", viewer, "{\"profile_id\":\"" + child + "\",\"target\":{\"all\":true},\"daily_ms\":1}"), 403,
                "insufficient_scope");

        // At most 1 000 limits an account.
        String childB = profile(adminB, "Cy");
        try (var c = ProfilesAndCategoriesTest.db.connect(); var st = c.createStatement()) {
            st.execute("INSERT INTO limits (limit_id, account_id, profile_id, target, daily_ms, tz, created_at, updated_at)"
                    + " SELECT gen_random_uuid(), '" + b + "', '" + childB + "', 'all', 60000, 'UTC', now(), now() FROM generate_series(1, 1000)");
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
        assertError(send("POST", "/api/v1/limits", adminB, "{\"profile_id\":\"" + childB + "\",\"target\":{\"all\":true},\"daily_ms\":1}"), 409,
                "conflict");
    }

    @Test
    void badLimitsAnswer400SayingWhatIsWrong() {
        String p = "\"profile_id\":\"" + child + "\"";
        Map<String, String> bad = Map.of(
                "{\"target\":{\"all\":true},\"daily_ms\":1}", "one of them",
                "{" + p + ",\"device_id\":\"" + phone + "\",\"target\":{\"all\":true},\"daily_ms\":1}", "one of them",
                "{" + p + ",\"target\":{\"all\":false},\"daily_ms\":1}", "\\\"target\\\" must be",
                "{" + p + ",\"target\":{\"kind\":\"App\",\"key\":\"x\"},\"daily_ms\":1}", "target.kind",
                "{" + p + ",\"target\":{\"all\":true},\"daily_ms\":86400001}", "daily_ms",
                "{" + p + ",\"target\":{\"all\":true},\"daily_ms\":\"60000\"}", "daily_ms",
                "{" + p + ",\"target\":{\"all\":true},\"daily_ms\":1,\"tz\":\"Mars/Base\"}", "IANA",
                "{" + p + ",\"target\":{\"all\":true},\"daily_ms\":1,\"warn_before_ms\":[0]}", "warn_before_ms",
                "{" + p + ",\"target\":{\"all\":true},\"daily_ms\":1,\"warn_before_ms\":[5,5]}", "warn_before_ms");
        bad.forEach((body, message) -> {
            var r = send("POST", "/api/v1/limits", admin, body);
            assertError(r, 400, "invalid_request");
            assertTrue(r.getBody().contains(message), body + ": " + r.getBody());
        });
        for (String body : List.of(
                "{" + p + ",\"target\":{\"all\":true},\"daily_ms\":18446744073713151616}",
                "{" + p + ",\"target\":{\"all\":true},\"daily_ms\":600000,\"warn_before_ms\":[600000]}",
                "{" + p + ",\"target\":{\"category\":\"a\\u0001b\"},\"daily_ms\":1}")) {
            assertError(send("POST", "/api/v1/limits", admin, body), 400, "invalid_request");
        }
        String limit = create("{" + p + ",\"target\":{\"all\":true},\"daily_ms\":3600000,\"warn_before_ms\":[900000]}");
        assertError(send("PATCH", "/api/v1/limits/" + limit, admin, "{\"target\":{\"category\":\"x\"}}"), 400, "invalid_request");
        assertError(send("PATCH", "/api/v1/limits/" + limit, admin, "{}"), 400, "invalid_request");
        assertError(send("PATCH", "/api/v1/limits/" + limit, admin, "{\"tz\":null}"), 400, "invalid_request");
        var below = send("PATCH", "/api/v1/limits/" + limit, admin, "{\"daily_ms\":600000}");
        assertError(below, 400, "invalid_request");
        assertTrue(below.getBody().contains("before the limit"), below.getBody());
        assertEquals(3600000, ok(send("GET", "/api/v1/limits/" + limit, viewer, null), 200).get("daily_ms").asLong(), "unchanged");
        assertError(send("GET", "/api/v1/limits/" + limit + "/status?day=yesterday", viewer, null), 400, "invalid_request");
        assertError(send("GET", "/api/v1/limits/" + limit + "/status?day=+999999999-12-31", viewer, null), 400, "invalid_request");
        assertError(send("GET", "/api/v1/limits/" + limit + "/status?day=2011-12-30", viewer, null), 400, "invalid_request");
        String erased = device(admin, "Old phone");
        ok(send("DELETE", "/api/v1/devices/" + erased, admin, null), 202);
        assertError(send("POST", "/api/v1/limits", admin, "{\"device_id\":\"" + erased + "\",\"target\":{\"all\":true},\"daily_ms\":1}"), 400,
                "invalid_request");
    }
}
