package io.nuscape.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.testkit.DedicatedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * verify-full against a real TLS Postgres whose certificate, for "localhost" only, a throwaway CA made here
 * signed: that CA connects; another CA is refused; a host name the certificate does not name is refused.
 */
class TlsVerificationTest {
    static Path dir;
    static DedicatedPostgres pg;

    static void openssl(String... args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(args).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", args) + ": " + out);
    }

    static void authority(String name) throws Exception {
        openssl("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".crt",
                "-days", "2", "-subj", "/CN=NuScape throwaway " + name);
    }

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("nuscape-tls-");
        authority("ca");
        authority("other-ca");
        Files.writeString(dir.resolve("san.ext"), "subjectAltName=DNS:localhost\n");
        openssl("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
        openssl("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "server.crt", "-days", "2", "-extfile", "san.ext");
        Files.setPosixFilePermissions(dir.resolve("server.key"), PosixFilePermissions.fromString("rw-------"));
        pg = DedicatedPostgres.start(Map.of("ssl", "on",
                "ssl_cert_file", dir.resolve("server.crt").toString(),
                "ssl_key_file", dir.resolve("server.key").toString()));
    }

    @AfterAll
    static void stop() {
        pg.close();
    }

    static Database database(String host, String sslmode, String rootCert) {
        String url = "jdbc:postgresql://" + host + ":" + pg.port() + "/postgres?sslmode=" + sslmode;
        DatabaseOptions options = rootCert == null ? DatabaseOptions.DEFAULTS : DatabaseOptions.DEFAULTS.withSslRootCert(dir.resolve(rootCert).toString());
        return new Database(url, CredentialSource.fixed("postgres", ""), options);
    }

    static boolean encrypted(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    @Test
    void verifyFullWithTheServersCaConnectsEncrypted() throws Exception {
        try (Connection c = database("localhost", "verify-full", "ca.crt").connect()) {
            assertTrue(encrypted(c));
        }
    }

    @Test
    void aServerCertificateFromAnotherCaIsRefused() {
        SQLException e = assertThrows(SQLException.class, () -> database("localhost", "verify-full", "other-ca.crt").connect().close());
        assertTrue(String.valueOf(e.getMessage()).toLowerCase().contains("ssl") || e.getCause() != null, e.toString());
    }

    @Test
    void aHostNameTheCertificateDoesNotNameIsRefusedUnderVerifyFull() throws Exception {
        SQLException e = assertThrows(SQLException.class, () -> database("127.0.0.1", "verify-full", "ca.crt").connect().close());
        assertTrue(e.getMessage().contains("127.0.0.1"), e.getMessage());
        // The same CA and address under verify-ca (no host name check) connects: the name was the reason.
        try (Connection c = database("127.0.0.1", "verify-ca", "ca.crt").connect()) {
            assertTrue(encrypted(c));
        }
    }

    @Test
    void withoutAConfiguredRootNothingButTheBundledCasIsTrusted() {
        // This build carries no Amazon RDS CA bundle (see README): verify modes without
        // NUSCAPE_DATABASE_SSL_ROOT_CERT fail with a message naming the variable, never connect unverified.
        for (String mode : List.of("verify-full", "verify-ca")) {
            io.nuscape.core.ConfigException e = assertThrows(io.nuscape.core.ConfigException.class,
                    () -> database("localhost", mode, null).connect().close(), mode);
            assertTrue(e.getMessage().contains("NUSCAPE_DATABASE_SSL_ROOT_CERT"), e.getMessage());
        }
        assertThrows(io.nuscape.core.ConfigException.class, () -> new Database("jdbc:postgresql://localhost:" + pg.port()
                + "/postgres?sslmode=verify-full", CredentialSource.fixed("postgres", ""),
                DatabaseOptions.DEFAULTS.withSslRootCert(dir.resolve("missing.pem").toString())).connect().close(),
                "a configured root certificate file that is not there is a clear failure");
    }
}
