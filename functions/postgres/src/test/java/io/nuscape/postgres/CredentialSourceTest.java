package io.nuscape.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.core.internal.SecretsClient;
import io.nuscape.postgres.internal.SecretCredentials;
import io.nuscape.testkit.AwsEmulator;
import io.nuscape.testkit.DedicatedPostgres;
import io.nuscape.testkit.MovableClock;
import io.nuscape.testkit.TestDatabase;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.CreateSecretRequest;
import software.amazon.awssdk.services.secretsmanager.model.PutSecretValueRequest;

/**
 * Where credentials come from, against a Postgres that checks passwords (a dedicated embedded server:
 * the shared one trusts everyone) and a secret in a real AWS API emulator; IAM tokens as the driver
 * sends them on the wire.
 */
class CredentialSourceTest {
    static DedicatedPostgres pg;
    static TestDatabase db;
    static AwsEmulator aws;
    static SecretsManagerClient sdk;

    @BeforeAll
    static void start() {
        pg = DedicatedPostgres.start(Map.of());
        db = pg.newDatabase("credentials");
        aws = AwsEmulator.start();
        sdk = aws.secretsManager();
    }

    @AfterAll
    static void stop() {
        sdk.close();
        aws.close();
        pg.close();
    }

    static SecretsClient secrets() {
        return SecretsClient.create(Optional.of(aws.endpoint()), AwsEmulator.credentials(), Region.of(AwsEmulator.REGION));
    }

    static void admin(String sql) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static String secretJson(String user, String password) {
        return "{\"username\":\"" + user + "\",\"password\":\"" + password + "\",\"engine\":\"postgres\"}";
    }

    static String whoAmI(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void aRotatedSecretIsReReadWhenTheServerRefusesTheOldPassword() throws Exception {
        String role = "rot_" + UUID.randomUUID().toString().substring(0, 8);
        admin("CREATE ROLE " + role + " LOGIN PASSWORD 'first-Pw1'");
        String arn = sdk.createSecret(CreateSecretRequest.builder().name("db/" + role).secretString(secretJson(role, "first-Pw1")).build()).arn();
        Database database = new Database(db.as("x", "x").jdbcUrl(), CredentialSource.secret(CredentialSourceTest::secrets, arn), DatabaseOptions.DEFAULTS);
        try (Connection c = database.connect()) {
            assertEquals(role, whoAmI(c));
        }
        admin("ALTER ROLE " + role + " PASSWORD 'second-Pw2'");
        sdk.putSecretValue(PutSecretValueRequest.builder().secretId(arn).secretString(secretJson(role, "second-Pw2")).build());
        try (Connection c = database.connect()) {
            assertEquals(role, whoAmI(c), "connected with the rotated password, no restart");
        }
    }

    @Test
    void aWrongPasswordDoesNotHammerSecretsManager() throws Exception {
        String role = "wrong_" + UUID.randomUUID().toString().substring(0, 8);
        admin("CREATE ROLE " + role + " LOGIN PASSWORD 'right-Pw1'");
        String arn = sdk.createSecret(CreateSecretRequest.builder().name("db/" + role).secretString(secretJson(role, "bad-Pw0")).build()).arn();
        SecretsClient client = secrets();
        AtomicInteger reads = new AtomicInteger();
        MovableClock clock = new MovableClock(Instant.parse("2026-01-01T00:00:00Z"));
        CredentialSource source = new SecretCredentials(() -> {
            reads.incrementAndGet();
            return client.secretString(arn);
        }, CredentialSource.SECRET_REREAD_FLOOR, clock);
        Database database = new Database(db.as("x", "x").jdbcUrl(), source, DatabaseOptions.DEFAULTS);
        for (int i = 0; i < 20; i++) {
            SQLException e = assertThrows(SQLException.class, database::connect);
            assertEquals("28P01", e.getSQLState());
            assertFalse(e.getMessage().contains("bad-Pw0"), "the password is not in the message: " + e.getMessage());
        }
        assertEquals(2, reads.get(), "the first read and one re-read in the same 5 s");
        clock.advance(Duration.ofSeconds(6));
        assertThrows(SQLException.class, database::connect);
        assertEquals(3, reads.get(), "one more re-read once 5 s have passed");
        // Fixed, with no re-read needed beyond the one the next refusal triggers after the floor.
        sdk.putSecretValue(PutSecretValueRequest.builder().secretId(arn).secretString(secretJson(role, "right-Pw1")).build());
        clock.advance(Duration.ofSeconds(6));
        try (Connection c = database.connect()) {
            assertEquals(role, whoAmI(c));
        }
        assertEquals(4, reads.get());
        assertFalse(source.current().toString().contains("right-Pw1"), "credentials never print their password");
    }

    /**
     * A server that speaks just enough of the protocol to ask for a cleartext password and record it: what
     * the driver really sends as the password.
     */
    static final class PasswordCatcher implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final List<String> passwords = java.util.Collections.synchronizedList(new ArrayList<>());
        final Thread acceptor;

        PasswordCatcher() throws java.io.IOException {
            acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        DataInputStream in = new DataInputStream(s.getInputStream());
                        DataOutputStream out = new DataOutputStream(s.getOutputStream());
                        in.readFully(new byte[in.readInt() - 4]); // startup message
                        out.writeByte('R');
                        out.writeInt(8);
                        out.writeInt(3); // AuthenticationCleartextPassword
                        out.flush();
                        if (in.readByte() != 'p') {
                            continue;
                        }
                        byte[] body = new byte[in.readInt() - 4];
                        in.readFully(body);
                        passwords.add(new String(body, 0, body.length - 1, StandardCharsets.UTF_8));
                        byte[] fields = "SFATAL\0C28P01\0Mrecorded\0\0".getBytes(StandardCharsets.UTF_8);
                        out.writeByte('E');
                        out.writeInt(4 + fields.length);
                        out.write(fields);
                        out.flush();
                    } catch (java.io.IOException e) {
                        // The test closed the server, or the client went away.
                    }
                }
            }, "password-catcher");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws java.io.IOException {
            server.close();
        }
    }

    static Map<String, String> query(String token) {
        Map<String, String> out = new java.util.HashMap<>();
        for (String pair : token.substring(token.indexOf('?') + 1).split("&")) {
            int eq = pair.indexOf('=');
            out.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void iamAuthHandsTheDriverAFreshlySignedTokenForEachConnection() throws Exception {
        try (PasswordCatcher catcher = new PasswordCatcher()) {
            CredentialSource iam = CredentialSource.iam("db.example.internal", 6543, "nuscape_api", Region.EU_WEST_1,
                    StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret-example")));
            Database database = new Database("jdbc:postgresql://127.0.0.1:" + catcher.port() + "/nuscape?sslmode=disable", iam,
                    DatabaseOptions.DEFAULTS);
            assertThrows(SQLException.class, database::connect);
            Thread.sleep(1100); // tokens are signed to the second
            assertThrows(SQLException.class, database::connect);
            assertEquals(2, catcher.passwords.size(), "one password per connection attempt, no retry: " + catcher.passwords.size());
            String first = catcher.passwords.get(0);
            String second = catcher.passwords.get(1);
            assertNotEquals(first, second, "a new token per connection");
            for (String token : List.of(first, second)) {
                assertTrue(token.startsWith("db.example.internal:6543/?"), token);
                Map<String, String> q = query(token);
                assertEquals("connect", q.get("Action"));
                assertEquals("nuscape_api", q.get("DBUser"));
                assertTrue(q.get("X-Amz-Credential").startsWith("AKIDEXAMPLE/") && q.get("X-Amz-Credential").contains("/eu-west-1/rds-db/aws4_request"),
                        q.get("X-Amz-Credential"));
                assertEquals(900, Integer.parseInt(q.get("X-Amz-Expires")), "15 minutes");
                assertTrue(q.get("X-Amz-Signature").matches("[0-9a-f]{64}"), "signed");
                Instant signed = ZonedDateTime.parse(q.get("X-Amz-Date"), DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssX")).toInstant();
                assertTrue(Duration.between(signed, Instant.now()).abs().getSeconds() < 30, "signed at connect time, not cached: " + signed);
            }
        }
    }
}
