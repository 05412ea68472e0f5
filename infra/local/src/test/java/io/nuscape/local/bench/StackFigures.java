package io.nuscape.local.bench;

import io.nuscape.local.LocalRuntime;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** What the benchmarks read back from a local stack (shard 0 of a fresh one): counted, accepted, dead-lettered. */
final class StackFigures {
    private StackFigures() {
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
