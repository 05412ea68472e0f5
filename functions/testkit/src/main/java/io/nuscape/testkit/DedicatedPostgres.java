package io.nuscape.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * An embedded PostgreSQL 16 of one test class's own, for what the shared {@link TestPostgres} cannot give:
 * password authentication (the shared server trusts every user; here only {@code postgres} is trusted and
 * every other role must present its SCRAM password) and server settings such as TLS.
 */
public final class DedicatedPostgres implements AutoCloseable {
    private static final String HBA = """
            local all postgres trust
            host  all postgres 127.0.0.1/32 trust
            host  all postgres ::1/128 trust
            host  all all 127.0.0.1/32 scram-sha-256
            host  all all ::1/128 scram-sha-256
            """;

    private final EmbeddedPostgres server;
    private final TestDatabase admin;

    private DedicatedPostgres(EmbeddedPostgres server) {
        this.server = server;
        this.admin = new TestDatabase(server.getJdbcUrl("postgres", "postgres"), "postgres", "postgres");
    }

    /** Starts a server with password authentication and the given extra settings (e.g. {@code ssl=on}). */
    public static DedicatedPostgres start(Map<String, String> settings) {
        try {
            Path hba = Files.createTempFile("nuscape-pg-hba-", ".conf");
            Files.writeString(hba, HBA);
            EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
                    .setPort(FreePort.pick())
                    .setServerConfig("hba_file", hba.toString())
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off");
            settings.forEach(b::setServerConfig);
            return new DedicatedPostgres(b.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a dedicated embedded PostgreSQL", e);
        }
    }

    /** The {@code postgres} superuser's database. */
    public TestDatabase admin() {
        return admin;
    }

    public int port() {
        return server.getPort();
    }

    /** Creates an empty database. */
    public TestDatabase newDatabase(String name) {
        try (Connection c = admin.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + ": " + e.getMessage(), e);
        }
        return admin.database(name);
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
