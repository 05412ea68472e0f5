package io.nuscape.client.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.client.QueueFullException;
import io.nuscape.client.QueueFullPolicy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

/**
 * The bounded queue of events on disk and the batch formed from it. An event is written before {@code track}
 * returns; a batch is formed once (its events marked with its id, its gzipped body stored) so every retry sends
 * the same bytes under the same {@code batch_id}, and leaves the queue only in the transaction that records the
 * server's answer. A process killed anywhere therefore finds, on restart, either events not yet in a batch or
 * the one batch it may have sent, and sends that again: the server answers a repeat with {@code duplicate: true}.
 */
public final class UploadQueue {
    static final String DROPPED = "dropped_events";
    private static final JsonFactory JSON = new JsonFactory();
    /** The longest server answer kept with a dead letter. */
    static final int MAX_ANSWER_CHARS = 4000;

    private final ClientDatabase db;
    private final int capacity;
    private final QueueFullPolicy policy;
    private final int maxDeadLetters;

    public UploadQueue(ClientDatabase db, int capacity, QueueFullPolicy policy, int maxDeadLetters) {
        this.db = db;
        this.capacity = capacity;
        this.policy = policy;
        this.maxDeadLetters = maxDeadLetters;
    }

    public int capacity() {
        return capacity;
    }

    /** Adds one event under the queue's full policy; returns how many older events were dropped for it. */
    public int add(QueuedEvent e) {
        return db.write(c -> {
            int dropped = 0;
            long depth = depth(c);
            if (depth >= capacity) {
                if (policy == QueueFullPolicy.REFUSE) {
                    throw new QueueFullException(capacity);
                }
                dropped = dropOldest(c, (int) (depth - capacity + 1));
                if (dropped == 0) {
                    // Only the batch being sent is left and it fills the queue: the new event is the one that cannot be kept.
                    ClientDatabase.addToMeta(c, DROPPED, 1);
                    return 0;
                }
            }
            insert(c, e);
            return dropped;
        });
    }

    /** What {@link #addImported} did. */
    public record ImportCounts(int queued, int alreadyImported, int deferred) {
    }

    /**
     * Adds events whose ids derive from their source, skipping those imported before; never drops queued events
     * for them: what does not fit is deferred (the caller uploads and imports again). Forgets imported ids whose
     * events are older than {@code forgetBeforeMillis}, which the server would refuse anyway.
     */
    public ImportCounts addImported(List<QueuedEvent> events, long forgetBeforeMillis) {
        return db.write(c -> {
            try (PreparedStatement forget = c.prepareStatement("DELETE FROM imported WHERE ts_ms < ?")) {
                forget.setLong(1, forgetBeforeMillis);
                forget.executeUpdate();
            }
            long room = capacity - depth(c);
            int queued = 0;
            int already = 0;
            int deferred = 0;
            try (PreparedStatement known = c.prepareStatement(
                    "SELECT 1 FROM imported WHERE event_id = ?1 UNION ALL SELECT 1 FROM events WHERE event_id = ?1");
                 PreparedStatement remember = c.prepareStatement("INSERT INTO imported (event_id, ts_ms) VALUES (?, ?)")) {
                for (QueuedEvent e : events) {
                    known.setString(1, e.eventId().toString());
                    boolean seen;
                    try (ResultSet rs = known.executeQuery()) {
                        seen = rs.next();
                    }
                    if (seen) {
                        already++;
                    } else if (room <= 0) {
                        deferred++;
                    } else {
                        insert(c, e);
                        remember.setString(1, e.eventId().toString());
                        remember.setLong(2, e.tsMillis());
                        remember.executeUpdate();
                        room--;
                        queued++;
                    }
                }
            }
            return new ImportCounts(queued, already, deferred);
        });
    }

    private static void insert(Connection c, QueuedEvent e) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO events (event_id, ts_ms, kind, key, duration_ms) VALUES (?, ?, ?, ?, ?)")) {
            s.setString(1, e.eventId().toString());
            s.setLong(2, e.tsMillis());
            s.setString(3, e.kind());
            s.setString(4, e.key());
            s.setLong(5, e.durationMs());
            s.executeUpdate();
        }
    }

    private static int dropOldest(Connection c, int n) throws SQLException {
        int dropped;
        try (PreparedStatement s = c.prepareStatement(
                "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE batch_id IS NULL ORDER BY seq LIMIT ?)")) {
            s.setInt(1, n);
            dropped = s.executeUpdate();
        }
        if (dropped > 0) {
            ClientDatabase.addToMeta(c, DROPPED, dropped);
        }
        return dropped;
    }

    static long depth(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM events"); ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Events on disk not yet accepted, the batch's included. */
    public long depth() {
        return db.read(UploadQueue::depth);
    }

    /** Events not yet in a batch. */
    public long unbatched() {
        return db.read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM events WHERE batch_id IS NULL"); ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    public long deadLetters() {
        return db.read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM dead_letters"); ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /** The batch formed earlier and not yet answered, if any (after a crash, the one that may have been sent). */
    public Optional<Batch> pendingBatch() {
        return db.read(UploadQueue::pending);
    }

    private static Optional<Batch> pending(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT batch_id, event_count, body, attempts FROM batches ORDER BY formed_at_ms, batch_id LIMIT 1");
             ResultSet rs = s.executeQuery()) {
            return rs.next() ? Optional.of(new Batch(rs.getString(1), rs.getInt(2), rs.getBytes(3), rs.getInt(4))) : Optional.empty();
        }
    }

    /**
     * The pending batch, else a new one of the oldest events (at most {@code maxEvents}, and at most
     * {@code maxBytes} of JSON), formed and stored in one transaction; empty when nothing is queued. Counts the
     * attempt about to be made in the same transaction (each one is a sync of the file).
     */
    public Optional<Batch> nextBatch(int maxEvents, int maxBytes, UUID batchId, long nowMillis) {
        return db.write(c -> {
            Optional<Batch> pending = pending(c);
            if (pending.isPresent()) {
                try (PreparedStatement s = c.prepareStatement("UPDATE batches SET attempts = attempts + 1 WHERE batch_id = ?")) {
                    s.setString(1, pending.get().batchId());
                    s.executeUpdate();
                }
                return pending;
            }
            List<Long> seqs = new ArrayList<>();
            ByteArrayOutputStream json = new ByteArrayOutputStream(Math.min(maxBytes, 64 * 1024));
            json.writeBytes(("{\"batch_id\":\"" + batchId + "\",\"events\":[").getBytes(StandardCharsets.US_ASCII));
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT seq, event_id, ts_ms, kind, key, duration_ms FROM events WHERE batch_id IS NULL ORDER BY seq LIMIT ?")) {
                s.setInt(1, maxEvents);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        byte[] event = eventJson(rs.getString(2), rs.getLong(3), rs.getString(4), rs.getString(5), rs.getLong(6));
                        // The separator and the closing "]}" count too: the whole body stays within maxBytes.
                        if (json.size() + (seqs.isEmpty() ? 0 : 1) + event.length + 2 > maxBytes && !seqs.isEmpty()) {
                            break;
                        }
                        if (!seqs.isEmpty()) {
                            json.write(',');
                        }
                        json.writeBytes(event);
                        seqs.add(rs.getLong(1));
                    }
                }
            }
            if (seqs.isEmpty()) {
                return Optional.<Batch>empty();
            }
            json.writeBytes(new byte[] {']', '}'});
            byte[] body = json.toByteArray();
            try (PreparedStatement mark = c.prepareStatement("UPDATE events SET batch_id = ? WHERE seq = ?")) {
                for (long seq : seqs) {
                    mark.setString(1, batchId.toString());
                    mark.setLong(2, seq);
                    mark.addBatch();
                }
                mark.executeBatch();
            }
            byte[] gz = gzip(body);
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO batches (batch_id, formed_at_ms, event_count, body, attempts) VALUES (?, ?, ?, ?, 1)")) {
                s.setString(1, batchId.toString());
                s.setLong(2, nowMillis);
                s.setInt(3, seqs.size());
                s.setBytes(4, gz);
                s.executeUpdate();
            }
            return Optional.of(new Batch(batchId.toString(), seqs.size(), gz, 0));
        });
    }

    private static byte[] eventJson(String eventId, long tsMillis, String kind, String key, long durationMs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128 + key.length());
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("event_id", eventId);
            g.writeStringField("ts", Instant.ofEpochMilli(tsMillis).toString());
            g.writeStringField("kind", kind);
            g.writeStringField("key", key);
            g.writeNumberField("duration_ms", durationMs);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] gzip(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length / 4 + 64);
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** What a 202 did to the queue. */
    public record Accepted(int accepted, int rejected) {
    }

    /**
     * The server accepted the batch (202, first time or duplicate): its events leave the queue, those it rejected
     * one by one become dead letters with the reason it gave, and the uploader's state records the upload, all in
     * one transaction.
     */
    public Accepted accepted(String batchId, JsonNode answer, long nowMillis) {
        return db.write(c -> {
            Map<String, String> reasons = new LinkedHashMap<>();
            JsonNode rejected = answer.path("rejected");
            if (rejected.isArray()) {
                for (JsonNode r : rejected) {
                    String id = r.path("event_id").asText(null);
                    if (id == null && r.has("index")) {
                        id = eventAt(c, batchId, r.get("index").asInt());
                    }
                    if (id != null) {
                        reasons.put(id, r.path("reason").asText("rejected"));
                    }
                }
            }
            int dead = 0;
            if (!reasons.isEmpty()) {
                try (PreparedStatement s = c.prepareStatement("""
                        INSERT INTO dead_letters (event_id, batch_id, ts_ms, kind, key, duration_ms, status, error, reason, dead_at_ms)
                        SELECT event_id, batch_id, ts_ms, kind, key, duration_ms, 202, 'rejected', ?, ? FROM events
                        WHERE batch_id = ? AND event_id = ?""")) {
                    for (Map.Entry<String, String> r : reasons.entrySet()) {
                        s.setString(1, r.getValue());
                        s.setLong(2, nowMillis);
                        s.setString(3, batchId);
                        s.setString(4, r.getKey());
                        dead += s.executeUpdate();
                    }
                }
            }
            int removed = removeBatch(c, batchId);
            trimDeadLetters(c);
            String at = Instant.ofEpochMilli(nowMillis).toString();
            ClientDatabase.putMeta(c, UploaderState.LAST_UPLOAD_AT, at);
            ClientDatabase.putMeta(c, UploaderState.LAST_UPLOAD_EVENTS, Integer.toString(removed - dead));
            ClientDatabase.putMeta(c, UploaderState.RETRYING, null);
            ClientDatabase.putMeta(c, UploaderState.TOKEN_REFUSED, null);
            ClientDatabase.putMeta(c, UploaderState.LAST_ERROR, dead == 0 ? null
                    : dead + " events of batch " + batchId + " rejected by the server (dead letters)");
            ClientDatabase.putMeta(c, UploaderState.LAST_ERROR_AT, dead == 0 ? null : at);
            return new Accepted(removed - dead, dead);
        });
    }

    private static String eventAt(Connection c, String batchId, int index) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT event_id FROM events WHERE batch_id = ? ORDER BY seq LIMIT 1 OFFSET ?")) {
            s.setString(1, batchId);
            s.setInt(2, index);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** The server refused the whole batch (a 4xx other than 429, 401 and 403): every event becomes a dead letter with its answer. */
    public int deadLetterBatch(String batchId, int status, String error, String answer, long nowMillis) {
        return db.write(c -> {
            String kept = answer == null ? "" : answer.length() > MAX_ANSWER_CHARS ? answer.substring(0, MAX_ANSWER_CHARS) : answer;
            try (PreparedStatement s = c.prepareStatement("""
                    INSERT INTO dead_letters (event_id, batch_id, ts_ms, kind, key, duration_ms, status, error, reason, dead_at_ms)
                    SELECT event_id, batch_id, ts_ms, kind, key, duration_ms, ?, ?, ?, ? FROM events WHERE batch_id = ? ORDER BY seq""")) {
                s.setInt(1, status);
                s.setString(2, error);
                s.setString(3, kept);
                s.setLong(4, nowMillis);
                s.setString(5, batchId);
                s.executeUpdate();
            }
            int removed = removeBatch(c, batchId);
            trimDeadLetters(c);
            return removed;
        });
    }

    private static int removeBatch(Connection c, String batchId) throws SQLException {
        int removed;
        try (PreparedStatement s = c.prepareStatement("DELETE FROM events WHERE batch_id = ?")) {
            s.setString(1, batchId);
            removed = s.executeUpdate();
        }
        try (PreparedStatement s = c.prepareStatement("DELETE FROM batches WHERE batch_id = ?")) {
            s.setString(1, batchId);
            s.executeUpdate();
        }
        return removed;
    }

    private void trimDeadLetters(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "DELETE FROM dead_letters WHERE id <= (SELECT id FROM dead_letters ORDER BY id DESC LIMIT 1 OFFSET ?)")) {
            s.setInt(1, maxDeadLetters);
            s.executeUpdate();
        }
    }

    /** A dead letter as kept: the event, and the server's status, code and reason. */
    public record DeadLetter(QueuedEvent event, String batchId, int status, String error, String reason, long deadAtMillis) {
    }

    /** The newest dead letters first, at most {@code limit}. */
    public List<DeadLetter> deadLetterList(int limit) {
        return db.read(c -> {
            List<DeadLetter> out = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("""
                    SELECT event_id, ts_ms, kind, key, duration_ms, batch_id, status, error, reason, dead_at_ms
                    FROM dead_letters ORDER BY id DESC LIMIT ?""")) {
                s.setInt(1, limit);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        out.add(new DeadLetter(new QueuedEvent(UUID.fromString(rs.getString(1)), rs.getLong(2), rs.getString(3),
                                rs.getString(4), rs.getLong(5)), rs.getString(6), rs.getInt(7), rs.getString(8), rs.getString(9), rs.getLong(10)));
                    }
                }
            }
            return out;
        });
    }

    public long dropped() {
        return db.read(UploadQueue::dropped);
    }

    /** Events dropped under {@link QueueFullPolicy#DROP_OLDEST} since the database was made. */
    public static long dropped(Connection c) throws SQLException {
        return ClientDatabase.metaLong(c, DROPPED);
    }

    /**
     * Puts the events of a batch the server found too large back in the queue, in their order, and forgets the
     * batch: a 4xx means the server queued none of it, so the events may go again under a new {@code batch_id}.
     */
    public int unbatch(String batchId) {
        return db.write(c -> {
            int n;
            try (PreparedStatement s = c.prepareStatement("UPDATE events SET batch_id = NULL WHERE batch_id = ?")) {
                s.setString(1, batchId);
                n = s.executeUpdate();
            }
            try (PreparedStatement s = c.prepareStatement("DELETE FROM batches WHERE batch_id = ?")) {
                s.setString(1, batchId);
                s.executeUpdate();
            }
            return n;
        });
    }

    /**
     * Moves dead letters back into the queue, oldest first, as many as there is room for (never dropping queued
     * events for them); answers how many moved. They keep their event ids, so the server counts each at most once.
     */
    public int requeueDeadLetters() {
        return db.write(c -> {
            long room = capacity - depth(c);
            if (room <= 0) {
                return 0;
            }
            List<Long> ids = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT id FROM dead_letters ORDER BY id LIMIT ?")) {
                s.setLong(1, room);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
            }
            int moved = 0;
            try (PreparedStatement copy = c.prepareStatement("""
                    INSERT OR IGNORE INTO events (event_id, ts_ms, kind, key, duration_ms)
                    SELECT event_id, ts_ms, kind, key, duration_ms FROM dead_letters WHERE id = ?""");
                 PreparedStatement delete = c.prepareStatement("DELETE FROM dead_letters WHERE id = ?")) {
                for (long id : ids) {
                    copy.setLong(1, id);
                    // An id already queued again (the same event dead twice) is not queued twice.
                    moved += copy.executeUpdate();
                    delete.setLong(1, id);
                    delete.executeUpdate();
                }
            }
            return moved;
        });
    }
}
