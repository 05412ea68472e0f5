package io.nuscape.client.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;

/**
 * Writes exports in ActivityWatch's documented bucket-export format (aw-server's {@code GET /api/0/export}):
 * {@code {"buckets": {"<id>": {"id", "created", "type", "client", "hostname", "events": [{"id", "timestamp",
 * "duration" (seconds), "data"}]}}}}, with timestamps as aw-server writes them (microseconds, {@code +00:00}).
 */
public final class ActivityWatchExport {
    private final ObjectNode root = ServerApi.JSON.createObjectNode();
    private final ObjectNode buckets = root.putObject("buckets");
    private int nextId = 1;

    public ArrayNode bucket(String id, String type, String client, String hostname) {
        ObjectNode b = buckets.putObject(id);
        b.put("id", id);
        b.put("created", "2026-01-01T00:00:00.000000+00:00");
        b.put("name", (String) null);
        b.put("type", type);
        b.put("client", client);
        b.put("hostname", hostname);
        b.putObject("data");
        return b.putArray("events");
    }

    public ObjectNode event(ArrayNode bucket, Instant start, Duration duration) {
        ObjectNode e = bucket.addObject();
        e.put("id", nextId++);
        e.put("timestamp", timestamp(start));
        e.put("duration", duration.toNanos() / 1e9);
        return e.putObject("data");
    }

    public void window(ArrayNode bucket, Instant start, Duration duration, String app, String title) {
        event(bucket, start, duration).put("app", app).put("title", title);
    }

    public void web(ArrayNode bucket, Instant start, Duration duration, String url, boolean incognito) {
        event(bucket, start, duration).put("url", url).put("title", "a page").put("audible", false).put("incognito", incognito);
    }

    public void afk(ArrayNode bucket, Instant start, Duration duration, boolean away) {
        event(bucket, start, duration).put("status", away ? "afk" : "not-afk");
    }

    /** aw-server's form: microseconds and an explicit +00:00. */
    static String timestamp(Instant t) {
        return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx").format(t.atOffset(java.time.ZoneOffset.UTC));
    }

    public ObjectNode json() {
        return root;
    }

    public String text() {
        return root.toPrettyString();
    }

    /**
     * The scenario the tests check: two hours before {@code now}, 10 minutes away from the keyboard in the middle.
     * Expected after import: app firefox 20 min (1 event), app code 20 min (2 pieces), web youtube.com 10 min,
     * web docs.python.org 10 min (2 pieces); 20 min of away time cut; 12 source events; 1 too old; 4 other skips.
     */
    public static ActivityWatchExport scenario(Instant now) {
        Instant base = now.minus(Duration.ofHours(2)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        ActivityWatchExport x = new ActivityWatchExport();
        ArrayNode afk = x.bucket("aw-watcher-afk_laptop", "afkstatus", "aw-watcher-afk", "laptop");
        x.afk(afk, base, Duration.ofMinutes(30), false);
        x.afk(afk, base.plus(Duration.ofMinutes(30)), Duration.ofMinutes(10), true);
        x.afk(afk, base.plus(Duration.ofMinutes(40)), Duration.ofMinutes(50), false);
        ArrayNode window = x.bucket("aw-watcher-window_laptop", "currentwindow", "aw-watcher-window", "laptop");
        x.window(window, base, Duration.ofMinutes(20), "firefox", "Mozilla Firefox");
        x.window(window, base.plus(Duration.ofMinutes(20)), Duration.ofMinutes(30), "code", "main.py - Visual Studio Code");
        x.window(window, base.plus(Duration.ofMinutes(50)), Duration.ZERO, "code", "instant");
        x.event(window, base.plus(Duration.ofMinutes(51)), Duration.ofMinutes(1)).put("title", "no app");
        x.window(window, now.minus(Duration.ofDays(40)), Duration.ofMinutes(5), "firefox", "long ago");
        ArrayNode web = x.bucket("aw-watcher-web-firefox_laptop", "web.tab.current", "aw-client-web", "laptop");
        x.web(web, base, Duration.ofMinutes(10), "https://www.youtube.com/watch?v=1", false);
        x.web(web, base.plus(Duration.ofMinutes(25)), Duration.ofMinutes(20), "https://docs.python.org/3/library/", false);
        x.web(web, base.plus(Duration.ofMinutes(50)), Duration.ofMinutes(2), "chrome://newtab/", false);
        x.web(web, base.plus(Duration.ofMinutes(52)), Duration.ofMinutes(3), "https://private.example.org/", true);
        return x;
    }
}
