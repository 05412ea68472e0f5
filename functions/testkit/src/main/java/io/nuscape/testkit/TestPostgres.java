package io.nuscape.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Postgres every test in a JVM shares: the server named by {@code NUSCAPE_TEST_DATABASE_URL} (a JDBC
 * URL; user and password from {@code NUSCAPE_TEST_DATABASE_USER} / {@code _PASSWORD}), else an embedded
 * PostgreSQL 16 started on first use. Each test class gets a fresh database of its own. The embedded
 * server runs with fsync and synchronous_commit off: tests check behaviour, not durability or speed (the
 * benchmarks and scripts/local-up run a durable server, DurablePostgres, and print what it reports).
 */
public final class TestPostgres {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static TestDatabase admin;

    private TestPostgres() {
    }

    private static synchronized TestDatabase admin() {
        if (admin == null) {
            String external = System.getenv("NUSCAPE_TEST_DATABASE_URL");
            if (external != null && !external.isBlank()) {
                admin = new TestDatabase(external.trim(), env("NUSCAPE_TEST_DATABASE_USER", "postgres"),
                        env("NUSCAPE_TEST_DATABASE_PASSWORD", ""));
            } else {
                try {
                    EmbeddedPostgres pg = EmbeddedPostgres.builder()
                            .setPort(FreePort.pick())
                            .setServerConfig("max_connections", "300")
                            .setServerConfig("fsync", "off")
                            .setServerConfig("synchronous_commit", "off")
                            .setServerConfig("full_page_writes", "off")
                            .start();
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                        try {
                            pg.close();
                        } catch (IOException ignored) {
                            // The JVM is exiting; the data directory is temporary.
                        }
                    }));
                    admin = new TestDatabase(pg.getJdbcUrl("postgres", "postgres"), "postgres", "postgres");
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
                }
            }
        }
        return admin;
    }

    /** Creates an empty database for one test class. */
    public static TestDatabase newDatabase(String name) {
        TestDatabase a = admin();
        String db = ("t" + ProcessHandle.current().pid() + "_" + SEQUENCE.incrementAndGet() + "_"
                + name.replaceAll("[^A-Za-z0-9]", "").toLowerCase(java.util.Locale.ROOT));
        db = db.substring(0, Math.min(60, db.length()));
        try (Connection c = DriverManager.getConnection(a.jdbcUrl(), a.user(), a.password());
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + db);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + db + ": " + e.getMessage(), e);
        }
        return a.database(db);
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null ? fallback : v;
    }
}
