package io.nuscape.client.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.client.QueueFullException;
import io.nuscape.client.QueueFullPolicy;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UploadQueueTest {
    @TempDir
    Path dir;
    final UuidV7 ids = new UuidV7();

    QueuedEvent event(String key) {
        return new QueuedEvent(ids.next(), 1_763_900_000_000L, "app", key, 1000);
    }

    static JsonNode json(Batch b) throws Exception {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(b.gzippedBody()))) {
            return ServerApi.JSON.readTree(in.readAllBytes());
        }
    }

    @Test
    void aBatchIsFormedOnceAndSurvivesAReopenWithItsIdAndBytes() throws Exception {
        Path file = dir.resolve("q.db");
        Batch first;
        try (ClientDatabase db = ClientDatabase.open(file, true)) {
            UploadQueue q = new UploadQueue(db, 100, QueueFullPolicy.DROP_OLDEST, 100);
            for (int i = 0; i < 7; i++) {
                q.add(event("k" + i));
            }
            first = q.nextBatch(5, 1_000_000, ids.next(), 0).orElseThrow();
            assertEquals(5, first.eventCount());
            JsonNode body = json(first);
            assertEquals(first.batchId(), body.get("batch_id").asText());
            assertEquals("k0", body.get("events").get(0).get("key").asText(), "oldest first");
            assertEquals("2025-11-23T12:13:20Z", body.get("events").get(0).get("ts").asText());
            q.add(event("k7"));
        }
        try (ClientDatabase db = ClientDatabase.open(file, true)) {
            UploadQueue q = new UploadQueue(db, 100, QueueFullPolicy.DROP_OLDEST, 100);
            assertEquals(8, q.depth());
            assertEquals(3, q.unbatched());
            Batch again = q.nextBatch(5, 1_000_000, ids.next(), 0).orElseThrow();
            assertEquals(first.batchId(), again.batchId(), "the pending batch, not a new one");
            assertArrayEquals(first.gzippedBody(), again.gzippedBody());
            q.accepted(again.batchId(), ServerApi.JSON.readTree("{\"accepted\":5,\"rejected\":[],\"duplicate\":true}"), 0);
            assertEquals(3, q.depth());
            Batch next = q.nextBatch(5, 1_000_000, ids.next(), 0).orElseThrow();
            assertEquals(3, next.eventCount());
            q.accepted(next.batchId(), ServerApi.JSON.readTree("{\"accepted\":3,\"rejected\":[]}"), 0);
            assertEquals(Optional.empty(), q.nextBatch(5, 1_000_000, ids.next(), 0));
        }
    }

    @Test
    void aBatchStaysWithinItsByteLimit() throws Exception {
        try (ClientDatabase db = ClientDatabase.open(dir.resolve("q.db"), false)) {
            UploadQueue q = new UploadQueue(db, 1000, QueueFullPolicy.REFUSE, 100);
            String key = "x".repeat(250);
            for (int i = 0; i < 100; i++) {
                q.add(event(key));
            }
            Batch b = q.nextBatch(100, 4096, ids.next(), 0).orElseThrow();
            byte[] raw;
            try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(b.gzippedBody()))) {
                raw = in.readAllBytes();
            }
            assertTrue(raw.length <= 4096, raw.length + " bytes");
            assertTrue(b.eventCount() >= 10 && b.eventCount() < 100, b.eventCount() + " events");
            assertEquals(b.eventCount(), ServerApi.JSON.readTree(raw).get("events").size(), "valid JSON");
        }
    }

    @Test
    void dropOldestKeepsTheNewestAndCountsWhatItDropped() throws Exception {
        try (ClientDatabase db = ClientDatabase.open(dir.resolve("q.db"), false)) {
            UploadQueue q = new UploadQueue(db, 10, QueueFullPolicy.DROP_OLDEST, 100);
            for (int i = 0; i < 4; i++) {
                q.add(event("old" + i));
            }
            Batch b = q.nextBatch(2, 1_000_000, ids.next(), 0).orElseThrow();
            for (int i = 0; i < 10; i++) {
                q.add(event("new" + i));
            }
            assertEquals(10, q.depth());
            assertEquals(4, q.dropped(), "4 dropped for 10 new");
            List<String> keys = db.read(c -> {
                List<String> out = new ArrayList<>();
                try (var s = c.createStatement(); var rs = s.executeQuery("SELECT key FROM events ORDER BY seq")) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
                return out;
            });
            assertEquals(List.of("old0", "old1", "new2", "new3", "new4", "new5", "new6", "new7", "new8", "new9"), keys,
                    "the batch being sent is kept (it may already be on the server); the oldest others go");
            assertEquals(b.batchId(), q.pendingBatch().orElseThrow().batchId());
        }
    }

    @Test
    void refuseKeepsWhatIsQueuedAndWritesNothing() {
        try (ClientDatabase db = ClientDatabase.open(dir.resolve("q.db"), false)) {
            UploadQueue q = new UploadQueue(db, 3, QueueFullPolicy.REFUSE, 100);
            for (int i = 0; i < 3; i++) {
                q.add(event("k" + i));
            }
            QueueFullException e = assertThrows(QueueFullException.class, () -> q.add(event("k3")));
            assertEquals(3, e.capacity());
            assertEquals(3, q.depth());
            assertEquals(0, q.dropped());
        }
    }

    @Test
    void perEventRejectionsAndRefusedBatchesBecomeBoundedDeadLetters() throws Exception {
        try (ClientDatabase db = ClientDatabase.open(dir.resolve("q.db"), false)) {
            UploadQueue q = new UploadQueue(db, 100, QueueFullPolicy.REFUSE, 5);
            List<QueuedEvent> events = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                events.add(event("k" + i));
                q.add(events.get(i));
            }
            Batch b = q.nextBatch(4, 1_000_000, ids.next(), 0).orElseThrow();
            UploadQueue.Accepted a = q.accepted(b.batchId(), ServerApi.JSON.readTree("{\"accepted\":2,\"rejected\":[{\"index\":1,\"event_id\":\""
                    + events.get(1).eventId() + "\",\"reason\":\"ts is more than 30 days in the past\"},{\"index\":3,\"reason\":\"by index\"}]}"), 42);
            assertEquals(2, a.accepted());
            assertEquals(2, a.rejected());
            List<UploadQueue.DeadLetter> dead = q.deadLetterList(10);
            assertEquals(2, dead.size());
            assertEquals(events.get(3).eventId(), dead.get(0).event().eventId(), "found by index when the id is missing");
            assertEquals("ts is more than 30 days in the past", dead.get(1).reason());
            assertEquals(0, q.depth());

            for (int i = 0; i < 6; i++) {
                q.add(event("r" + i));
            }
            Batch refused = q.nextBatch(10, 1_000_000, ids.next(), 0).orElseThrow();
            assertEquals(6, q.deadLetterBatch(refused.batchId(), 413, "payload_too_large", "{\"error\":\"payload_too_large\"}", 43));
            assertEquals(5, q.deadLetters(), "at most 5 kept, the oldest dropped");
            assertEquals("payload_too_large", q.deadLetterList(1).get(0).error());
        }
    }

    @Test
    void importedIdsAreAddedOnceAndNeverPushOutQueuedEvents() throws Exception {
        try (ClientDatabase db = ClientDatabase.open(dir.resolve("q.db"), false)) {
            UploadQueue q = new UploadQueue(db, 5, QueueFullPolicy.DROP_OLDEST, 5);
            q.add(event("tracked"));
            List<QueuedEvent> imported = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                imported.add(new QueuedEvent(UUID.nameUUIDFromBytes(("e" + i).getBytes()), 1_000L * i, "app", "i" + i, 10));
            }
            assertEquals(new UploadQueue.ImportCounts(4, 0, 2), q.addImported(imported, 0));
            Batch b = q.nextBatch(5, 1_000_000, ids.next(), 0).orElseThrow();
            q.accepted(b.batchId(), ServerApi.JSON.readTree("{\"accepted\":5,\"rejected\":[]}"), 0);
            assertEquals(new UploadQueue.ImportCounts(2, 4, 0), q.addImported(imported, 0), "uploaded imports are not added again");
            assertEquals(new UploadQueue.ImportCounts(0, 6, 0), q.addImported(imported, 0));
            assertEquals(new UploadQueue.ImportCounts(0, 2, 0), q.addImported(imported.subList(4, 6), 4_000));
            assertEquals(2L, (long) db.read(c -> {
                try (var s = c.createStatement(); var rs = s.executeQuery("SELECT count(*) FROM imported")) {
                    rs.next();
                    return rs.getLong(1);
                }
            }), "ids of events older than the server's window are forgotten");
        }
    }
}
