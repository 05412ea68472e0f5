package io.nuscape.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.StringJoiner;

/**
 * An embedded PostgreSQL as durable as a production one, for benchmarks: the embedded server's defaults
 * (fsync off, synchronous_commit off) may lose committed rows, and a figure measured on them says nothing
 * of a database that keeps its commits. {@link #durability} reads back what the server really runs with.
 */
public final class DurablePostgres implements AutoCloseable {
    private static final String[] DURABILITY = {"fsync", "synchronous_commit", "full_page_writes"};

    private final EmbeddedPostgres postgres;

    private DurablePostgres(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /** Started with fsync, synchronous_commit and full_page_writes on, plus the given settings. */
    public static DurablePostgres start(Map<String, String> settings) {
        try {
            EmbeddedPostgres.Builder b = EmbeddedPostgres.builder().setPort(FreePort.pick());
            settings.forEach(b::setServerConfig);
            for (String setting : DURABILITY) {
                b.setServerConfig(setting, "on");
            }
            return new DurablePostgres(b.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the benchmark's Postgres", e);
        }
    }

    public String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    /** As the server reports them: "fsync=on synchronous_commit=on full_page_writes=on". */
    public static String durability(Connection c) throws SQLException {
        StringJoiner out = new StringJoiner(" ");
        try (Statement s = c.createStatement()) {
            for (String setting : DURABILITY) {
                try (ResultSet rs = s.executeQuery("SHOW " + setting)) {
                    rs.next();
                    out.add(setting + "=" + rs.getString(1));
                }
            }
        }
        return out.toString();
    }

    /** One setting as the server reports it. */
    public static String show(Connection c, String setting) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
