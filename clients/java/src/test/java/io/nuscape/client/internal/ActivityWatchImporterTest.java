package io.nuscape.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ActivityWatchImporterTest {
    static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");

    static Map<String, Long> totals(List<QueuedEvent> events) {
        Map<String, Long> out = new TreeMap<>();
        for (QueuedEvent e : events) {
            out.merge(e.kind() + "/" + e.key(), e.durationMs(), Long::sum);
        }
        return out;
    }

    @Test
    void appsAndDomainsWithAwayTimeCutOut() {
        ActivityWatchImporter.Conversion c = ActivityWatchImporter.convert(ActivityWatchExport.scenario(NOW).json(), NOW);
        assertEquals(Map.of("app/firefox", 1_200_000L, "app/code", 1_200_000L, "web/youtube.com", 600_000L, "web/docs.python.org", 600_000L),
                totals(c.events()));
        assertEquals(6, c.events().size(), "code and docs.python.org are cut in two by the away time");
        assertEquals(12, c.sourceEvents());
        assertEquals(1, c.skippedTooOld());
        assertEquals(4, c.skippedOther(), "zero duration, no app, chrome://, incognito");
        assertEquals(1_200_000, c.afkExcludedMs());
        for (QueuedEvent e : c.events()) {
            assertEquals(5, e.eventId().version());
        }
    }

    @Test
    void idsDeriveFromTheSourceSoAReimportGivesTheSameOnes() {
        var a = ActivityWatchImporter.convert(ActivityWatchExport.scenario(NOW).json(), NOW).events();
        var b = ActivityWatchImporter.convert(ActivityWatchExport.scenario(NOW).json(), NOW.plusSeconds(3600)).events();
        assertEquals(a, b);
    }

    @Test
    void withoutAnAfkBucketOfTheSameHostEveryAfkBucketCounts() {
        Instant base = NOW.minus(Duration.ofHours(1));
        ActivityWatchExport x = new ActivityWatchExport();
        ArrayNode afk = x.bucket("aw-watcher-afk_desk", "afkstatus", "aw-watcher-afk", "desk");
        x.afk(afk, base.plus(Duration.ofMinutes(5)), Duration.ofMinutes(5), true);
        ArrayNode web = x.bucket("aw-watcher-web-chrome", "web.tab.current", "aw-client-web", "unknown");
        x.web(web, base, Duration.ofMinutes(20), "http://Example.COM./a", false);
        var c = ActivityWatchImporter.convert(x.json(), NOW);
        assertEquals(Map.of("web/example.com", 900_000L), totals(c.events()));
    }

    @Test
    void longEventsAreSplitIntoDaysAndOddInputIsSkipped() {
        ActivityWatchExport x = new ActivityWatchExport();
        ArrayNode window = x.bucket("aw-watcher-window_box", "", "aw-watcher-window", "box");
        x.window(window, NOW.minus(Duration.ofHours(60)), Duration.ofHours(50), "kiosk\u0007app", "t");
        x.event(window, NOW, Duration.ofSeconds(5)).put("app", "   ");
        var c = ActivityWatchImporter.convert(x.json(), NOW);
        assertEquals(3, c.events().size(), "50 h in pieces of at most 24 h (bucket type taken from its name)");
        assertEquals(Map.of("app/kiosk app", 50 * 3_600_000L), totals(c.events()));
        assertEquals(1, c.skippedOther());
        assertThrows(IllegalArgumentException.class, () -> ActivityWatchImporter.convert(ServerApi.JSON.createArrayNode(), NOW));
    }

    @Test
    void timestampsInTheFormsAwServerWrites() {
        assertEquals(Instant.parse("2026-11-24T10:00:00.123Z").toEpochMilli(), ActivityWatchImporter.timestamp("2026-11-24T10:00:00.123456+00:00"));
        assertEquals(Instant.parse("2026-11-24T08:00:00Z").toEpochMilli(), ActivityWatchImporter.timestamp("2026-11-24T10:00:00+02:00"));
        assertEquals(Instant.parse("2026-11-24T10:00:00Z").toEpochMilli(), ActivityWatchImporter.timestamp("2026-11-24T10:00:00"));
        assertNull(ActivityWatchImporter.timestamp("yesterday"));
    }
}
