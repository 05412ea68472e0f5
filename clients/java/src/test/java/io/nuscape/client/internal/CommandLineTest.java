package io.nuscape.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandLineTest {
    @TempDir
    Path dir;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    int run(String... args) {
        out.reset();
        err.reset();
        return CommandLine.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of("NUSCAPE_CLIENT_DB", dir.resolve("cli.db").toString()));
    }

    @Test
    void trackQueuesAndStatusShowsIt() throws Exception {
        assertEquals(0, run("track", "app", "org.gnome.Terminal", "--duration", "90s"), err.toString());
        assertTrue(out.toString().startsWith("queued "), out.toString());
        assertEquals(0, run("track", "web", "example.org", "--start", "2026-11-24T10:00:00Z", "--duration", "PT2M"), err.toString());
        assertEquals(0, run("status"));
        assertTrue(out.toString().contains("queue:         2 events of at most 10000"), out.toString());
        assertTrue(out.toString().contains("state:         not enrolled"), out.toString());
        assertEquals(0, run("status", "--json"));
        JsonNode s = ServerApi.JSON.readTree(out.toString());
        assertEquals(2, s.get("queued_events").asInt());
        assertEquals("not_enrolled", s.get("state").asText());
        assertEquals(3, run("flush", "--timeout", "1s"), "not enrolled: uploads cannot happen");
        assertTrue(err.toString().contains("not enrolled"), err.toString());
    }

    @Test
    void wrongUsageSaysWhatIsWrong() {
        assertEquals(2, run());
        assertEquals(2, run("track", "app"));
        assertEquals(2, run("track", "App", "x"));
        assertTrue(err.toString().contains("kind must start with a lower-case letter"), err.toString());
        assertEquals(2, run("track", "app", "x", "--duration", "soon"));
        assertEquals(2, run("enroll", "--code", "X"), "enroll needs a server");
        assertEquals(2, run("frobnicate"));
        assertEquals(0, run("--help"));
    }

    @Test
    void durations() {
        assertEquals(Duration.ofMillis(1500), CommandLine.duration("1500ms", "d"));
        assertEquals(Duration.ofSeconds(60), CommandLine.duration("60s", "d"));
        assertEquals(Duration.ofMinutes(5), CommandLine.duration("5m", "d"));
        assertEquals(Duration.ofHours(2), CommandLine.duration("2h", "d"));
        assertEquals(Duration.ofMinutes(1), CommandLine.duration("PT1M", "d"));
    }

    @Test
    void requeueDeadLettersPutsThemBackInTheQueue() {
        try (ClientDatabase db = ClientDatabase.open(dir.resolve("cli.db"), false)) {
            UploadQueue queue = new UploadQueue(db, 100, io.nuscape.client.QueueFullPolicy.REFUSE, 100);
            queue.add(new QueuedEvent(java.util.UUID.randomUUID(), System.currentTimeMillis(), "app", "dead", 1000));
            String batch = queue.nextBatch(10, 100_000, java.util.UUID.randomUUID(), System.currentTimeMillis()).orElseThrow().batchId();
            queue.deadLetterBatch(batch, 400, "invalid_request", "{}", System.currentTimeMillis());
        }
        assertEquals(3, run("requeue-dead-letters", "--timeout", "1s"), "requeued, but not enrolled: nothing can be sent");
        assertTrue(out.toString().contains("requeued 1 dead letters"), out.toString());
        assertEquals(0, run("status", "--json"));
        assertTrue(out.toString().contains("\"queued_events\":1"), out.toString());
        assertTrue(out.toString().contains("\"dead_letters\":0"), out.toString());
    }

    @Test
    void plainHttpToAnotherMachineIsRefusedUnlessAskedFor() {
        assertEquals(2, run("--server", "http://api.example.com", "status"));
        assertTrue(err.toString().contains("plain http"), err.toString());
        assertEquals(0, run("--server", "http://api.example.com", "--allow-insecure-http", "status"), err.toString());
    }
}
