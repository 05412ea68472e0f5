package io.nuscape.local.bench;

import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.TokenIssuer;
import io.nuscape.local.LocalRuntime;
import io.nuscape.testkit.Enrollment;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * What the benchmarks set up in a local stack (enrolled devices and their tokens) and read back from it (shard 0
 * of a fresh one): counted, accepted, dead-lettered.
 */
final class StackFigures {
    private StackFigures() {
    }

    /** Ingest tokens (valid 2 hours) of {@code devices} new devices of the account, enrolled first: only enrolled devices count. */
    static List<String> deviceTokens(LocalRuntime runtime, UUID account, int devices) throws SQLException {
        TokenIssuer issuer = new TokenIssuer(runtime.keys(), Optional.empty(), "nuscape", "nuscape");
        Map<UUID, UUID> accountOfDevice = new HashMap<>();
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < devices; i++) {
            UUID device = UUID.randomUUID();
            accountOfDevice.put(device, account);
            tokens.add(issuer.issue(account, device.toString(), Set.of(Scope.INGEST), 0, Instant.now(), Duration.ofHours(2)));
        }
        try (Connection c = runtime.database().connect()) {
            Enrollment.enroll(c, accountOfDevice);
        }
        return tokens;
    }

    /** Every event in the rollups (each event counts once in usage_60m). */
    static long counted(LocalRuntime runtime) throws SQLException {
        try (Connection c = runtime.database().connect();
             PreparedStatement s = c.prepareStatement("SELECT coalesce(sum(events), 0) FROM usage_60m");
             ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** A counter of the shard's stats hash, e.g. events_accepted (bumped by the ingest script with its XADD). */
    static long counter(LocalRuntime runtime, String field) {
        io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(runtime.redisUrl());
        try (var connection = client.connect()) {
            String v = connection.sync().hget("nuscape:{0}:stats", field);
            return v == null ? 0 : Long.parseLong(v);
        } finally {
            client.shutdown();
        }
    }

    /** Entries in the dead-letter and give-up streams of shard 0. */
    static long deadLettered(LocalRuntime runtime) {
        io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(runtime.redisUrl());
        try (var connection = client.connect()) {
            return connection.sync().xlen("nuscape:dlq:{0}") + connection.sync().xlen("nuscape:giveup:{0}");
        } finally {
            client.shutdown();
        }
    }
}
