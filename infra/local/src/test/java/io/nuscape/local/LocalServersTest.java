package io.nuscape.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.redis.RedisConnector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local stack's own servers: durable Postgres (what the README promises a restart keeps), and servers
 * left running by a stack that was killed hard are stopped by the next one, which then starts on the
 * same data, keeping it.
 */
class LocalServersTest {
    @TempDir
    Path dataDir;

    /** scripts/local-up's own process (Main), started like the script does, on this test's data directory. */
    Process localUp() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.nuscape.local.Main", "--port", "0", "--data-dir", dataDir.toString());
        pb.environment().put("NUSCAPE_HOME", Path.of("../..").toAbsolutePath().normalize().toString());
        pb.environment().put("NUSCAPE_LOG_LEVEL", "WARN");
        pb.redirectErrorStream(true).redirectOutput(dataDir.resolve("local-up.log").toFile());
        Process p = pb.start();
        long deadline = System.currentTimeMillis() + 120_000;
        while (!Files.exists(dataDir.resolve("local-up.log")) || !Files.readString(dataDir.resolve("local-up.log")).contains("listening on")) {
            assertTrue(p.isAlive() && System.currentTimeMillis() < deadline, () -> "local-up did not start: " + log());
            Thread.sleep(200);
        }
        return p;
    }

    String log() {
        try {
            return Files.readString(dataDir.resolve("local-up.log"));
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    @Test
    void serversLeftByAHardKilledStackAreStoppedAndTheirDataKept() throws Exception {
        Process first = localUp();
        var info = io.nuscape.core.Json.mapper().readTree(Files.readString(dataDir.resolve("runtime.json")));
        String databaseUrl = info.get("NUSCAPE_DATABASE_URL").asText();
        try (Connection c = java.sql.DriverManager.getConnection(databaseUrl, "postgres", "postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE kept (v text)");
            s.execute("INSERT INTO kept VALUES ('committed before the kill')");
        }
        try (RedisConnector r = new RedisConnector(info.get("NUSCAPE_REDIS_URL").asText(), false, Duration.ofSeconds(2))) {
            r.commands().set("kept", "written before the kill".getBytes());
        }
        first.destroyForcibly().waitFor(); // kill -9: no shutdown hook runs, the servers stay up
        long postgresPid = Leftovers.running(dataDir.resolve("postgres/postmaster.pid"), "postgres").orElseThrow().pid();
        long redisPid = Leftovers.running(dataDir.resolve("redis.pid"), "redis-server").orElseThrow().pid();

        Process second = localUp();
        try {
            assertTrue(log().contains("was left running by an earlier stack"), log());
            assertFalse(ProcessHandle.of(postgresPid).map(ProcessHandle::isAlive).orElse(false), "the old Postgres was stopped");
            assertFalse(ProcessHandle.of(redisPid).map(ProcessHandle::isAlive).orElse(false), "the old redis-server was stopped");
            var now = io.nuscape.core.Json.mapper().readTree(Files.readString(dataDir.resolve("runtime.json")));
            try (Connection c = java.sql.DriverManager.getConnection(now.get("NUSCAPE_DATABASE_URL").asText(), "postgres", "postgres");
                 Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT v FROM kept")) {
                    assertTrue(rs.next());
                    assertEquals("committed before the kill", rs.getString(1));
                }
                for (String setting : new String[] {"fsync", "synchronous_commit", "full_page_writes"}) {
                    try (ResultSet rs = s.executeQuery("SHOW " + setting)) {
                        rs.next();
                        assertEquals("on", rs.getString(1), setting + " as the server reports it");
                    }
                }
            }
            try (RedisConnector r = new RedisConnector(now.get("NUSCAPE_REDIS_URL").asText(), false, Duration.ofSeconds(2))) {
                assertEquals("written before the kill", new String(r.commands().get("kept")));
            }
        } finally {
            second.destroy(); // SIGTERM: the clean stop
            assertTrue(second.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "local-up stops on SIGTERM");
        }
        assertEquals(Optional.empty(), Leftovers.running(dataDir.resolve("redis.pid"), "redis-server"), "a clean stop leaves nothing: " + log());
        assertFalse(Files.exists(dataDir.resolve("postgres/postmaster.pid")), "Postgres stopped cleanly");
    }

    /** scripts/invoke with no stack up starts servers for the call; a failing handler must not leave them running. */
    @Test
    void anInvokeWhoseFunctionFailsLeavesNoServerBehind() throws Exception {
        Path home = Files.createDirectories(dataDir.resolve("home"));
        Files.copy(Path.of("../../template.yaml"), home.resolve("template.yaml"));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.nuscape.local.Invoke", "IngestFunction");
        pb.environment().put("NUSCAPE_HOME", home.toString());
        pb.environment().remove("NUSCAPE_JWT_KEYS"); // no key set anywhere: the function cannot start
        pb.redirectErrorStream(true).redirectOutput(dataDir.resolve("invoke.log").toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), "invoke ends");
        String out = Files.readString(dataDir.resolve("invoke.log"));
        assertTrue(p.exitValue() != 0 && out.contains("NUSCAPE_JWT_KEYS"), out);
        assertEquals(Optional.empty(), Leftovers.running(home.resolve(".local/redis.pid"), "redis-server"), out);
        assertEquals(Optional.empty(), Leftovers.running(home.resolve(".local/postgres/postmaster.pid"), "postgres"), out);
    }
}
