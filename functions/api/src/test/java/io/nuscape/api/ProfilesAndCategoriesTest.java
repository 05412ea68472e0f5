package io.nuscape.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Profiles and categories through the Lambda handler on real Postgres: devices assigned and moved at any
 * time, dashboards asked for a profile read the devices assigned now (history moves with a device), deleting
 * a profile unassigns, codes enrol into a profile; category rules apply to all past data at once, group and
 * filter the dashboards, and never reach another account.
 */
class ProfilesAndCategoriesTest {
    static final TestKeys.Key KEY = TestKeys.hs256("profile-test");
    static final Instant HOUR = Instant.ofEpochMilli((System.currentTimeMillis() / 3_600_000L - 2) * 3_600_000L);
    static TestDatabase db;
    static ApiHandler api;
    static TokenIssuer issuer;

    @BeforeAll
    static void start() throws Exception {
        db = TestPostgres.newDatabase("profiles");
        new Migrator(new Database(db.jdbcUrl(), db.user(), db.password())).migrate();
        Map<String, String> env = ApiEnvironment.of(db, "profiles", KEY);
        api = new ApiHandler(Settings.from(env));
        issuer = new TokenIssuer(KeySource.of(KeySet.parse(TestKeys.keySet(KEY))), Optional.empty(), "nuscape", "nuscape");
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    static String token(UUID account, Scope scope) {
        return issuer.issue(account, "t", Set.of(scope), 0, Instant.now(), Duration.ofHours(1));
    }

    static APIGatewayV2HTTPResponse send(String method, String path, String token, String body) {
        return send(api, method, path, token, body);
    }

    static APIGatewayV2HTTPResponse send(ApiHandler handler, String method, String path, String token, String body) {
        String raw = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        String query = path.contains("?") ? path.substring(path.indexOf('?') + 1) : "";
        Map<String, String> params = new HashMap<>();
        for (String pair : query.isEmpty() ? new String[0] : query.split("&")) {
            params.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
        }
        Map<String, String> headers = new HashMap<>(Map.of("content-type", "application/json", "host", "api.example.com"));
        if (token != null) {
            headers.put("authorization", "Bearer " + token);
        }
        return handler.handleRequest(APIGatewayV2HTTPEvent.builder().withRouteKey(method + " " + raw).withRawPath(raw).withRawQueryString(query)
                .withQueryStringParameters(params.isEmpty() ? null : params).withHeaders(headers).withBody(body)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder().withRequestId("p")
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(method).withPath(raw).withSourceIp("192.0.2.9").build())
                        .build()).build(), null);
    }

    static JsonNode ok(APIGatewayV2HTTPResponse r, int status) {
        assertEquals(status, r.getStatusCode(), r.getBody());
        try {
            return r.getBody() == null || r.getBody().isEmpty() ? null : Json.mapper().readTree(r.getBody());
        } catch (Exception e) {
            throw new AssertionError(r.getBody());
        }
    }

    static void assertError(APIGatewayV2HTTPResponse r, int status, String code) {
        assertEquals(code, ok(r, status).get("error").asText(), r.getBody());
    }

    static UUID account(String name) {
        return UUID.fromString(ok(send("POST", "/api/v1/accounts", token(new UUID(0, 0), Scope.OPERATOR), "{\"name\":\"" + name + "\"}"), 201)
                .get("account_id").asText());
    }

    static String device(String admin, String name) {
        return ok(send("POST", "/api/v1/devices", admin, "{\"name\":\"" + name + "\",\"platform\":\"android\"}"), 201).get("device_id").asText();
    }

    static String profile(String admin, String name) {
        return ok(send("POST", "/api/v1/profiles", admin, "{\"name\":\"" + name + "\"}"), 201).get("profile_id").asText();
    }

    /** One hour row of {@code ms} for the device (the 60m table, as the drainer writes it). */
    static void usage(UUID account, String device, String key, long ms) throws Exception {
        row(account, device, "app", key, ms);
    }

    static void web(UUID account, String device, String host, long ms) throws Exception {
        row(account, device, "web", host, ms);
    }

    static void row(UUID account, String device, String kind, String key, long ms) throws Exception {
        try (Connection c = db.connect(); PreparedStatement p = c.prepareStatement("INSERT INTO usage_60m VALUES (?, ?, ?, ?, ?, 1, ?)")) {
            p.setObject(1, account);
            p.setObject(2, UUID.fromString(device));
            p.setTimestamp(3, Timestamp.from(HOUR));
            p.setString(4, kind);
            p.setString(5, key);
            p.setLong(6, ms);
            p.executeUpdate();
        }
    }

    static long total(String token, String profile) {
        String path = "/api/v1/usage/top?from=" + HOUR.minusSeconds(3600) + "&to=" + HOUR.plusSeconds(7200) + "&step=60m"
                + (profile == null ? "" : "&profile_id=" + profile);
        long sum = 0;
        for (JsonNode item : ok(send("GET", path, token, null), 200).get("items")) {
            sum += item.get("duration_ms").asLong();
        }
        return sum;
    }

    @Test
    void aProfilesDashboardsCountTheDevicesAssignedNowWithTheirWholeHistory() throws Exception {
        UUID a = account("Family");
        String admin = token(a, Scope.ADMIN);
        String viewer = token(a, Scope.READ);
        String phone = device(admin, "Phone");
        String tablet = device(admin, "Tablet");
        String laptop = device(admin, "Laptop");
        usage(a, phone, "app.x", 1_000);
        usage(a, tablet, "app.x", 20_000);
        usage(a, laptop, "app.y", 300_000);
        String child = profile(admin, "Ana");
        assertEquals(0, total(viewer, child), "nobody assigned yet");

        JsonNode moved = ok(send("PATCH", "/api/v1/devices/" + phone, admin, "{\"profile_id\":\"" + child + "\"}"), 200);
        assertEquals(child, moved.get("profile_id").asText());
        assertEquals("Phone", moved.get("name").asText());
        ok(send("PATCH", "/api/v1/devices/" + tablet, admin, "{\"profile_id\":\"" + child + "\",\"name\":\"Ana's tablet\"}"), 200);
        assertEquals(21_000, total(viewer, child), "history moves with the device");
        assertEquals(321_000, total(viewer, null));

        JsonNode listed = ok(send("GET", "/api/v1/profiles", viewer, null), 200).get("profiles");
        assertEquals(1, listed.size());
        assertEquals(List.of(phone, tablet), strings(listed.get(0).get("device_ids")));
        for (JsonNode d : ok(send("GET", "/api/v1/devices", viewer, null), 200).get("devices")) {
            assertEquals(d.get("device_id").asText().equals(laptop) ? "null" : child, d.get("profile_id").asText("null"));
        }

        // Moved out (null) and another moved in: the profile's numbers follow at once.
        ok(send("PATCH", "/api/v1/devices/" + tablet, admin, "{\"profile_id\":null}"), 200);
        ok(send("PATCH", "/api/v1/devices/" + laptop, admin, "{\"profile_id\":\"" + child + "\"}"), 200);
        assertEquals(301_000, total(viewer, child));
        String timeseries = "/api/v1/usage/timeseries?from=" + HOUR + "&to=" + HOUR.plusSeconds(3600) + "&step=60m&profile_id=" + child;
        assertEquals(301_000, ok(send("GET", timeseries, viewer, null), 200).get("points").get(0).get("duration_ms").asLong());

        ok(send("PATCH", "/api/v1/profiles/" + child, admin, "{\"name\":\"Ana M.\"}"), 200);
        assertEquals(204, send("DELETE", "/api/v1/profiles/" + child, admin, null).getStatusCode());
        assertError(send("GET", "/api/v1/usage/top?profile_id=" + child, viewer, null), 404, "not_found");
        for (JsonNode d : ok(send("GET", "/api/v1/devices", viewer, null), 200).get("devices")) {
            assertTrue(d.get("profile_id").isNull(), "deleting the profile unassigned its devices: " + d);
        }
        assertEquals(321_000, total(viewer, null), "and kept their data");
    }

    @Test
    void anotherAccountsProfilesAndDevicesAreOutOfReach() {
        UUID a = account("A");
        UUID b = account("B");
        String adminA = token(a, Scope.ADMIN);
        String adminB = token(b, Scope.ADMIN);
        String profileA = profile(adminA, "Ana");
        String deviceB = device(adminB, "B's phone");
        APIGatewayV2HTTPResponse foreign = send("PATCH", "/api/v1/devices/" + deviceB, adminB, "{\"profile_id\":\"" + profileA + "\"}");
        assertError(foreign, 400, "invalid_request");
        assertTrue(foreign.getBody().contains("names no profile of this account"), foreign.getBody());
        assertError(send("PATCH", "/api/v1/profiles/" + profileA, adminB, "{\"name\":\"mine\"}"), 404, "not_found");
        assertError(send("DELETE", "/api/v1/profiles/" + profileA, adminB, null), 404, "not_found");
        assertError(send("GET", "/api/v1/usage/top?profile_id=" + profileA, adminB, null), 404, "not_found");
        assertEquals(0, ok(send("GET", "/api/v1/profiles", adminB, null), 200).get("profiles").size());
        assertError(send("PATCH", "/api/v1/devices/" + deviceB, adminA, "{\"name\":\"x\"}"), 404, "not_found");
        assertError(send("POST", "/api/v1/enrollment-codes", adminB, "{\"profile_id\":\"" + profileA + "\"}"), 400, "invalid_request");

        assertError(send("POST", "/api/v1/profiles", token(a, Scope.READ), "{\"name\":\"x\"}"), 403, "insufficient_scope");
        assertError(send("PATCH", "/api/v1/devices/" + deviceB, adminB, "{}"), 400, "invalid_request");
        assertError(send("PATCH", "/api/v1/devices/" + deviceB, adminB, "{\"profile_id\":\"nope\"}"), 400, "invalid_request");
        assertError(send("GET", "/api/v1/usage/top?profile_id=nope", adminB, null), 400, "invalid_request");
    }

    @Test
    void aCodeMadeForAProfileEnrolsItsDeviceThereAndErasureTakesTheDeviceOut() {
        UUID a = account("Codes");
        String admin = token(a, Scope.ADMIN);
        String child = profile(admin, "Ben");
        String code = ok(send("POST", "/api/v1/enrollment-codes", admin, "{\"profile_id\":\"" + child + "\"}"), 201).get("code").asText();
        String device = ok(send("POST", "/api/v1/enroll", null, "{\"code\":\"" + code + "\",\"name\":\"Ben's phone\",\"platform\":\"ios\"}"), 201)
                .get("device_id").asText();
        assertEquals(List.of(device), strings(ok(send("GET", "/api/v1/profiles", admin, null), 200).get("profiles").get(0).get("device_ids")));
        ok(send("DELETE", "/api/v1/devices/" + device, admin, null), 202);
        assertEquals(List.of(), strings(ok(send("GET", "/api/v1/profiles", admin, null), 200).get("profiles").get(0).get("device_ids")),
                "an erased device is nobody's any more");
        JsonNode listed = ok(send("GET", "/api/v1/devices", admin, null), 200).get("devices").get(0);
        assertEquals("erased", listed.get("status").asText());
        assertTrue(listed.get("profile_id").isNull(), "pending erasure, it is listed in no profile either: " + listed);
        assertError(send("PATCH", "/api/v1/devices/" + device, admin, "{\"profile_id\":\"" + child + "\"}"), 404, "not_found");
        List<String> actions = new ArrayList<>();
        ok(send("GET", "/api/v1/audit", admin, null), 200).get("entries").forEach(e -> actions.add(e.get("action").asText()));
        assertTrue(actions.containsAll(List.of("profile.created", "enrollment_code.created", "device.enrolled")), actions.toString());
    }

    static JsonNode top(String token, String query) {
        return ok(send("GET", "/api/v1/usage/top?from=" + HOUR.minusSeconds(3600) + "&to=" + HOUR.plusSeconds(7200) + "&step=60m&" + query,
                token, null), 200).get("items");
    }

    @Test
    void categoryRulesApplyToAllPastDataAtOnceAndGroupAndFilterTheDashboards() throws Exception {
        UUID a = account("Categories");
        String admin = token(a, Scope.ADMIN);
        String viewer = token(a, Scope.READ);
        String phone = device(admin, "Phone");
        usage(a, phone, "com.instagram.android", 1_000);
        usage(a, phone, "com.supercell.brawlstars", 20_000);
        web(a, phone, "m.youtube.com", 300_000);
        web(a, phone, "music.youtube.com", 4_000_000);
        JsonNode none = top(viewer, "group_by=category");
        assertEquals("uncategorized", none.get(0).get("category").asText(), "no rules yet: everything is uncategorized");
        assertEquals(4_321_000, none.get(0).get("duration_ms").asLong());

        JsonNode starter = ok(send("GET", "/api/v1/categories/starter", viewer, null), 200);
        JsonNode put = ok(send("PUT", "/api/v1/categories", admin, starter.toString()), 200);
        assertEquals(1, put.get("version").asLong());
        assertEquals(starter.get("rules").size(), put.get("rules").size());
        JsonNode grouped = top(viewer, "group_by=category");
        assertEquals(List.of("music 4000000", "video 300000", "games 20000", "social 1000"), pairs(grouped, "category"));
        assertEquals(List.of("com.supercell.brawlstars 20000"), pairs(top(viewer, "category=games"), "key"));
        assertEquals(List.of("m.youtube.com 300000"), pairs(top(viewer, "category=video"), "key"), "a category's keys of every kind");
        assertEquals(List.of(), pairs(top(viewer, "category=video&kind=app"), "key"));
        String series = "/api/v1/usage/timeseries?from=" + HOUR + "&to=" + HOUR.plusSeconds(3600) + "&step=60m&category=video";
        assertEquals(300_000, ok(send("GET", series, viewer, null), 200).get("points").get(0).get("duration_ms").asLong());

        // A rule put first changes the past at once; the old first match loses.
        // A second API instance has compiled the rules too: it must see the change at once, not when its cache ages.
        try (ApiHandler other = new ApiHandler(Settings.from(ApiEnvironment.of(db, "profiles-other", KEY)))) {
            String ask = "/api/v1/usage/top?from=" + HOUR.minusSeconds(3600) + "&to=" + HOUR.plusSeconds(7200) + "&step=60m&group_by=category";
            assertEquals("music", ok(send(other, "GET", ask, viewer, null), 200).get("items").get(0).get("category").asText());
            ok(send("PUT", "/api/v1/categories", admin, "{\"rules\":[{\"category\":\"homework\",\"kind\":\"web\",\"match\":\"domain\","
                    + "\"pattern\":\"YouTube.com\"},{\"category\":\"brawl\",\"match\":\"prefix\",\"pattern\":\"com.supercell\"}]}"), 200);
            assertEquals(List.of("homework 4300000", "brawl 20000", "uncategorized 1000"), pairs(ok(send(other, "GET", ask, viewer, null), 200)
                    .get("items"), "category"));
        }
        assertEquals(List.of("homework 4300000", "brawl 20000", "uncategorized 1000"), pairs(top(viewer, "group_by=category"), "category"));
        assertEquals(List.of("com.instagram.android 1000"), pairs(top(viewer, "category=uncategorized"), "key"));
        assertEquals(2, ok(send("GET", "/api/v1/categories", viewer, null), 200).get("version").asLong());
        // A category's top adds a key's kinds up, as top does without a category, and ranks and limits alike.
        usage(a, phone, "com.supercell.x", 5_000);
        web(a, phone, "com.supercell.x", 7_000);
        assertEquals(List.of("com.supercell.brawlstars 20000", "com.supercell.x 12000"), pairs(top(viewer, "category=brawl"), "key"));
        assertEquals(List.of("com.supercell.brawlstars 20000"), pairs(top(viewer, "category=brawl&limit=1"), "key"));
        assertEquals(List.of("com.supercell.brawlstars 20000", "com.supercell.x 5000"), pairs(top(viewer, "category=brawl&kind=app"), "key"));

        // Another account's rules never apply here, and this account's never there.
        UUID b = account("Other");
        String otherPhone = device(token(b, Scope.ADMIN), "Their phone");
        web(b, otherPhone, "www.youtube.com", 7_000);
        assertEquals(List.of("uncategorized 7000"), pairs(top(token(b, Scope.READ), "group_by=category"), "category"));
        assertEquals(0, ok(send("GET", "/api/v1/categories", token(b, Scope.READ), null), 200).get("rules").size());
        assertEquals(List.of(), pairs(top(token(b, Scope.READ), "category=homework"), "key"));
    }

    @Test
    void categoryRulesAreCheckedAndOnlyAdminsChangeThem() {
        UUID a = account("RuleChecks");
        String admin = token(a, Scope.ADMIN);
        assertError(send("PUT", "/api/v1/categories", token(a, Scope.READ), "{\"rules\":[]}"), 403, "insufficient_scope");
        APIGatewayV2HTTPResponse bad = send("PUT", "/api/v1/categories", admin,
                "{\"rules\":[{\"category\":\"a\",\"match\":\"exact\",\"pattern\":\"x\"},{\"category\":\"b\",\"match\":\"regex\",\"pattern\":\"y\"}]}");
        assertError(bad, 400, "invalid_request");
        assertTrue(bad.getBody().contains("rule 1"), bad.getBody());
        StringBuilder many = new StringBuilder("{\"rules\":[");
        for (int i = 0; i < 1001; i++) {
            many.append(i == 0 ? "" : ",").append("{\"category\":\"c\",\"match\":\"exact\",\"pattern\":\"k").append(i).append("\"}");
        }
        assertError(send("PUT", "/api/v1/categories", admin, many.append("]}").toString()), 400, "invalid_request");
        assertError(send("GET", "/api/v1/usage/top?group_by=device", admin, null), 400, "invalid_request");
        assertEquals(0, ok(send("PUT", "/api/v1/categories", admin, "{\"rules\":[]}"), 200).get("rules").size(), "no rules is a rule set too");
    }

    @Test
    void aReplacementMadeForAnOlderVersionIsRefusedSoNoEditIsLostBetweenTwoAdmins() {
        UUID a = account("Two admins");
        String admin = token(a, Scope.ADMIN);
        String rule = "{\"category\":\"games\",\"match\":\"exact\",\"pattern\":\"com.game\"}";
        assertEquals(0, ok(send("GET", "/api/v1/categories", admin, null), 200).get("version").asLong(), "never set");
        assertEquals(1, ok(send("PUT", "/api/v1/categories", admin, "{\"version\":0,\"rules\":[" + rule + "]}"), 200).get("version").asLong());
        // Both read version 1; the first to save wins, the second is told to read again.
        assertEquals(2, ok(send("PUT", "/api/v1/categories", admin, "{\"version\":1,\"rules\":[]}"), 200).get("version").asLong());
        APIGatewayV2HTTPResponse stale = send("PUT", "/api/v1/categories", admin, "{\"version\":1,\"rules\":[" + rule + "," + rule + "]}");
        assertError(stale, 409, "conflict");
        assertTrue(stale.getBody().contains("read them again"), stale.getBody());
        JsonNode now = ok(send("GET", "/api/v1/categories", admin, null), 200);
        assertEquals(2, now.get("version").asLong(), "the refused replacement changed nothing");
        assertEquals(0, now.get("rules").size());
        assertError(send("PUT", "/api/v1/categories", admin, "{\"version\":\"2\",\"rules\":[]}"), 400, "invalid_request");
        assertError(send("PUT", "/api/v1/categories", admin, "{\"version\":-1,\"rules\":[]}"), 400, "invalid_request");
        assertEquals(3, ok(send("PUT", "/api/v1/categories", admin, "{\"rules\":[]}"), 200).get("version").asLong(), "without a version: last write wins");
    }

    static List<String> pairs(JsonNode items, String field) {
        List<String> out = new ArrayList<>();
        items.forEach(i -> out.add(i.get(field).asText() + " " + i.get("duration_ms").asLong()));
        return out;
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
