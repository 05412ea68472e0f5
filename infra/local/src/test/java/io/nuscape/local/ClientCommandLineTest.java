package io.nuscape.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nuscape.client.internal.CommandLine;
import io.nuscape.core.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nuscape-client} against the local runtime: enroll with a code an admin made, track, flush, status, and
 * an ActivityWatch export imported twice (counted once), checked in the rollups.
 */
class ClientCommandLineTest {
    @TempDir
    static Path dir;
    static ClientTestStack stack;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeAll
    static void start() throws Exception {
        stack = new ClientTestStack("clientcli", dir.resolve("stack"), Map.of());
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    int cli(String... args) {
        out.reset();
        err.reset();
        return CommandLine.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of("NUSCAPE_CLIENT_DB", dir.resolve("cli.db").toString(), "NUSCAPE_SERVER_URL", stack.url().toString()));
    }

    /** aw-server's timestamp form: microseconds and +00:00. */
    static String aw(Instant t) {
        return DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx").format(t.atOffset(ZoneOffset.UTC));
    }

    static void event(ArrayNode events, Instant start, Duration d, String field, Object... data) {
        ObjectNode e = events.addObject();
        e.put("id", events.size());
        e.put("timestamp", aw(start));
        e.put("duration", d.toMillis() / 1000.0);
        ObjectNode o = e.putObject("data");
        for (int i = 0; i < data.length; i += 2) {
            o.putPOJO((String) data[i], data[i + 1]);
        }
    }

    static ArrayNode bucket(ObjectNode buckets, String id, String type, String client) {
        ObjectNode b = buckets.putObject(id);
        b.put("id", id).put("type", type).put("client", client).put("hostname", "desk").put("created", aw(Instant.now().minus(Duration.ofDays(90))));
        return b.putArray("events");
    }

    /** A day of ActivityWatch data in its export format, with 15 minutes away from the keyboard. */
    static String export(Instant now) {
        Instant base = now.minus(Duration.ofHours(3)).truncatedTo(ChronoUnit.SECONDS);
        ObjectNode root = Json.mapper().createObjectNode();
        ObjectNode buckets = root.putObject("buckets");
        ArrayNode afk = bucket(buckets, "aw-watcher-afk_desk", "afkstatus", "aw-watcher-afk");
        event(afk, base, Duration.ofMinutes(60), "x", "status", "not-afk");
        event(afk, base.plus(Duration.ofMinutes(60)), Duration.ofMinutes(15), "x", "status", "afk");
        event(afk, base.plus(Duration.ofMinutes(75)), Duration.ofMinutes(60), "x", "status", "not-afk");
        ArrayNode window = bucket(buckets, "aw-watcher-window_desk", "currentwindow", "aw-watcher-window");
        event(window, base, Duration.ofMinutes(50), "x", "app", "Terminal", "title", "bash");
        event(window, base.plus(Duration.ofMinutes(50)), Duration.ofMinutes(40), "x", "app", "Firefox", "title", "news");
        event(window, now.minus(Duration.ofDays(45)), Duration.ofMinutes(5), "x", "app", "Firefox", "title", "old");
        ArrayNode web = bucket(buckets, "aw-watcher-web-firefox", "web.tab.current", "aw-client-web");
        event(web, base.plus(Duration.ofMinutes(50)), Duration.ofMinutes(20), "x", "url", "https://www.bbc.co.uk/news", "title", "BBC",
                "audible", false, "incognito", false);
        event(web, base.plus(Duration.ofMinutes(70)), Duration.ofMinutes(20), "x", "url", "https://en.wikipedia.org/wiki/Clock", "title", "Clock",
                "audible", false, "incognito", false);
        event(web, base.plus(Duration.ofMinutes(95)), Duration.ofMinutes(5), "x", "url", "https://secret.example/", "title", "s",
                "audible", false, "incognito", true);
        return root.toPrettyString();
    }

    @Test
    void enrollTrackFlushStatusAndImportActivityWatchTwice() throws Exception {
        assertEquals(0, cli("enroll", "--code", stack.enrollmentCode(), "--name", "cli desk", "--platform", "linux"), err.toString());
        assertTrue(out.toString().startsWith("enrolled: device "), out.toString());
        assertEquals(0, cli("status", "--json"));
        JsonNode status = Json.mapper().readTree(out.toString());
        String device = status.get("device_id").asText();
        assertEquals("ready", status.get("state").asText());

        assertEquals(0, cli("track", "screen", "desk", "--duration", "5m"), err.toString());
        assertEquals(0, cli("track", "app", "Terminal", "--start", Instant.now().minusSeconds(600).toString(), "--duration", "PT1M"), err.toString());
        assertEquals(0, cli("status"));
        assertTrue(out.toString().contains("queue:         2 events"), out.toString());
        assertEquals(0, cli("flush", "--timeout", "30s"), err.toString());
        assertTrue(out.toString().contains("2 events left the queue"), out.toString());

        Path export = dir.resolve("aw-buckets-export.json");
        Files.writeString(export, export(Instant.now()));
        assertEquals(0, cli("import-activitywatch", export.toString(), "--timeout", "60s"), err.toString());
        String report = out.toString();
        assertTrue(report.contains("9 source events, 5 new events queued, 0 already imported, 1 skipped (older"), report);
        assertTrue(report.contains("1 skipped (no app, not a web page, incognito, no duration), 1800 s of away time left out"), report);

        Map<String, long[]> expected = new TreeMap<>();
        expected.put("screen/desk", new long[] {1, 300_000});
        expected.put("app/Terminal", new long[] {2, 50 * 60_000 + 60_000});
        expected.put("app/Firefox", new long[] {2, 25 * 60_000});
        expected.put("web/bbc.co.uk", new long[] {1, 10 * 60_000});
        expected.put("web/en.wikipedia.org", new long[] {1, 15 * 60_000});
        Map<String, long[]> counted = stack.awaitCounted(device, expected, Duration.ofSeconds(30));
        assertEquals(ClientTestStack.describe(expected), ClientTestStack.describe(counted));

        // The same file again: nothing new, nothing counted twice.
        assertEquals(0, cli("import-activitywatch", export.toString()), err.toString());
        assertTrue(out.toString().contains("0 new events queued, 5 already imported"), out.toString());
        counted = stack.awaitCounted(device, expected, Duration.ofSeconds(3));
        assertEquals(ClientTestStack.describe(expected), ClientTestStack.describe(counted));

        assertEquals(0, cli("status"));
        assertTrue(out.toString().contains("queue:         0 events"), out.toString());
        assertTrue(out.toString().contains("last error:    none"), out.toString());
    }
}
