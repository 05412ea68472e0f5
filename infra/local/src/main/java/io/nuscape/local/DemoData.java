package io.nuscape.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.core.Json;
import io.nuscape.core.auth.KeySource;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.TokenIssuer;
import io.nuscape.core.auth.TokenVerifier;
import io.nuscape.core.auth.TokenRejectedException;
import io.nuscape.core.auth.SecretTokens;
import io.nuscape.core.people.PasswordHasher;
import io.nuscape.postgres.Database;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The demo account and device a local stack gets on first start, with an admin who signs in with a
 * password, an admin token and the device's ingest token (kept in {@code demo.json} with the local data, and issued again when they expire).
 */
record DemoData(UUID accountId, UUID deviceId, String adminToken, String deviceToken, String adminEmail, String adminPassword) {
    static final Duration TOKEN_LIFETIME = Duration.ofDays(30);
    static final String ADMIN_EMAIL = "admin@demo.nuscape.test";

    static DemoData ensure(Path dataDir, Database db, KeySource keys, String issuer, String audience) throws IOException, SQLException {
        Path file = dataDir.resolve("demo.json");
        UUID account;
        UUID device;
        if (Files.exists(file)) {
            JsonNode saved = Json.mapper().readTree(Files.readString(file));
            account = UUID.fromString(saved.get("account_id").asText());
            device = UUID.fromString(saved.get("device_id").asText());
        } else {
            account = UUID.randomUUID();
            device = UUID.randomUUID();
        }
        try (Connection c = db.connect()) {
            try (PreparedStatement a = c.prepareStatement("INSERT INTO accounts (account_id, name) VALUES (?, 'Demo account') ON CONFLICT DO NOTHING")) {
                a.setObject(1, account);
                a.executeUpdate();
            }
            try (PreparedStatement d = c.prepareStatement("INSERT INTO devices (device_id, account_id, name, platform) VALUES (?, ?, 'Demo device', 'android') ON CONFLICT DO NOTHING")) {
                d.setObject(1, device);
                d.setObject(2, account);
                d.executeUpdate();
            }
        }
        String password = Files.exists(file) ? Json.mapper().readTree(Files.readString(file)).path("admin_password").asText("") : "";
        if (password.isEmpty()) {
            // Made once per data directory and kept beside it (readable by its owner only), so a newcomer signs in at once.
            password = SecretTokens.random(12);
            try (Connection c = db.connect();
                 PreparedStatement u = c.prepareStatement("INSERT INTO users (user_id, account_id, email, role, password_hash, created_at, activated_at)"
                         + " VALUES (?, ?, ?, 'admin', ?, now(), now()) ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash")) {
                u.setObject(1, UUID.randomUUID());
                u.setObject(2, account);
                u.setString(3, ADMIN_EMAIL);
                u.setString(4, new PasswordHasher(PasswordHasher.Parameters.DEFAULT).hash(password));
                u.executeUpdate();
            }
        }
        TokenVerifier verifier = new TokenVerifier(keys, issuer, audience);
        TokenIssuer tokens = new TokenIssuer(keys, Optional.empty(), issuer, audience);
        String admin = null;
        String ingest = null;
        if (Files.exists(file)) {
            JsonNode saved = Json.mapper().readTree(Files.readString(file));
            admin = stillValid(verifier, saved.path("admin_token").asText(""));
            ingest = stillValid(verifier, saved.path("device_token").asText(""));
        }
        Instant now = Instant.now();
        if (admin == null) {
            admin = tokens.issue(account, "demo-admin", Set.of(Scope.ADMIN), 0, now, TOKEN_LIFETIME);
        }
        if (ingest == null) {
            ingest = tokens.issue(account, device.toString(), Set.of(Scope.INGEST), 1, now, TOKEN_LIFETIME);
        }
        var saved = new LinkedHashMap<String, Object>();
        saved.put("account_id", account.toString());
        saved.put("device_id", device.toString());
        saved.put("admin_token", admin);
        saved.put("device_token", ingest);
        saved.put("admin_email", ADMIN_EMAIL);
        saved.put("admin_password", password);
        Files.writeString(file, Json.write(saved));
        try {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: the data directory's own permissions apply.
        }
        return new DemoData(account, device, admin, ingest, ADMIN_EMAIL, password);
    }

    /** The token if the current key set still accepts it for at least a day, else null. */
    private static String stillValid(TokenVerifier verifier, String token) {
        if (token.isEmpty()) {
            return null;
        }
        try {
            return verifier.verify(token).expiresAt().isAfter(Instant.now().plus(Duration.ofDays(1))) ? token : null;
        } catch (TokenRejectedException e) {
            return null;
        }
    }
}
