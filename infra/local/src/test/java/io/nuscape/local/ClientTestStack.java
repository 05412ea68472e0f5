package io.nuscape.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.core.Json;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.TokenIssuer;
import io.nuscape.testkit.Enrollment;
import io.nuscape.testkit.TestDatabase;
import io.nuscape.testkit.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The local runtime for the Java client's tests: its own database, one account with an admin token, and the
 * rollups read back per key, which is what the server counted.
 */
final class ClientTestStack implements AutoCloseable {
    final TestDatabase db;
    final LocalRuntime runtime;
    final UUID account = UUID.randomUUID();
    final String adminToken;
    private final HttpClient http = HttpClient.newHttpClient();

    ClientTestStack(String name, Path dataDir, Map<String, String> extraEnv) throws Exception {
        db = TestPostgres.newDatabase(name);
        Map<String, String> env = LocalRuntimeEndToEndTest.environment(db, name);
        env.putAll(extraEnv);
        runtime = LocalRuntime.start(new LocalRuntime.Options(Path.of("../../template.yaml"), dataDir, 0, env, System.out));
        Enrollment.enroll(db, account, UUID.randomUUID()); // makes the account
        adminToken = new TokenIssuer(runtime.keys(), Optional.empty(), "nuscape", "nuscape")
                .issue(account, "client-test", Set.of(Scope.ADMIN, Scope.READ), 0, Instant.now(), Duration.ofHours(3));
    }

    URI url() {
        return URI.create(runtime.baseUrl());
    }

    /** An admin's call; fails unless the status is {@code expect}. */
    JsonNode admin(String method, String path, String body, int expect) throws Exception {
        HttpResponse<String> r = call(method, path, body, adminToken);
        if (r.statusCode() != expect) {
            throw new AssertionError(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body().isEmpty() ? null : Json.mapper().readTree(r.body());
    }

    HttpResponse<String> call(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(runtime.baseUrl() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A fresh enrollment code of the account (what an admin shows on the dashboard). */
    String enrollmentCode() throws Exception {
        return admin("POST", "/api/v1/enrollment-codes", "{}", 201).get("code").asText();
    }

    /** What the server counted for the device: key → {events, duration_ms}, from the hourly rollups (each event once). */
    Map<String, long[]> counted(String deviceId) throws Exception {
        Map<String, long[]> out = new TreeMap<>();
        try (Connection c = db.connect(); PreparedStatement s = c.prepareStatement(
                "SELECT kind || '/' || key, sum(events), sum(duration_ms) FROM usage_60m WHERE device_id = ?::uuid GROUP BY 1")) {
            s.setString(1, deviceId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3)});
                }
            }
        }
        return out;
    }

    /** Waits until the counts equal {@code expected} (at most {@code timeout}), then a moment more: nothing may arrive late. */
    Map<String, long[]> awaitCounted(String deviceId, Map<String, long[]> expected, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, long[]> seen = counted(deviceId);
        while (!same(seen, expected) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            seen = counted(deviceId);
        }
        Thread.sleep(1500);
        return counted(deviceId);
    }

    static boolean same(Map<String, long[]> a, Map<String, long[]> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (var e : a.entrySet()) {
            if (!java.util.Arrays.equals(e.getValue(), b.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    static String describe(Map<String, long[]> m) {
        StringBuilder sb = new StringBuilder("{");
        m.forEach((k, v) -> sb.append(k).append('=').append(v[0]).append(" events/").append(v[1]).append(" ms, "));
        return sb.append('}').toString();
    }

    @Override
    public void close() {
        runtime.close();
    }
}
