package io.nuscape.postgres;

import io.nuscape.postgres.internal.ConnectingDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Brings a database to the current schema (the Flyway migrations under {@code infra/migrations}) and makes
 * sure rollup partitions exist for the window events may fall in (30 days back, a month ahead), so the
 * drainer never meets a missing partition.
 */
public final class Migrator {
    /** Events are accepted up to 30 days old; a few days more covers clock skew and late drains. */
    public static final int PARTITIONS_BACK_DAYS = 35;
    public static final int PARTITIONS_AHEAD_DAYS = 35;
    /** Dedupe partitions are made a week ahead (the drainer makes any missing one on demand too). */
    public static final int DEDUPE_PARTITIONS_AHEAD_DAYS = 7;

    private final Database database;

    public Migrator(Database database) {
        this.database = database;
    }

    /** Applies pending migrations and creates missing partitions; returns what it did. */
    public Result migrate() throws SQLException {
        Flyway flyway = Flyway.configure()
                .dataSource(new ConnectingDataSource(database::connect))
                .locations("classpath:db/migration")
                .failOnMissingLocations(true)
                .load();
        MigrateResult result = flyway.migrate();
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        int created = ensurePartitions(today.minusDays(PARTITIONS_BACK_DAYS), today.plusDays(PARTITIONS_AHEAD_DAYS))
                + ensureDedupePartitions(today.minusDays(1), today.plusDays(DEDUPE_PARTITIONS_AHEAD_DAYS));
        var current = flyway.info().current();
        return new Result(result.migrationsExecuted, current == null ? null : current.getVersion().getVersion(), created);
    }

    /** Creates the rollup partitions covering the days from..to that are missing. */
    public int ensurePartitions(LocalDate from, LocalDate to) throws SQLException {
        return createPartitions("ensure_usage_partitions", from, to);
    }

    /** Creates the dedupe key partitions (both tables, V5) of the days from..to that are missing. */
    public int ensureDedupePartitions(LocalDate from, LocalDate to) throws SQLException {
        return createPartitions("ensure_dedupe_partitions", from, to);
    }

    /** Calls one of the migrations' partition functions (SECURITY DEFINER: any function role may). */
    private int createPartitions(String function, LocalDate from, LocalDate to) throws SQLException {
        try (Connection c = database.connect();
             PreparedStatement s = c.prepareStatement("SELECT " + function + "(?, ?)")) {
            s.setObject(1, from);
            s.setObject(2, to);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** What a migration run did. */
    public record Result(int migrationsApplied, String schemaVersion, int partitionsCreated) {
    }
}
