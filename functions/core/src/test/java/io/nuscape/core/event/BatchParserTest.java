package io.nuscape.core.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class BatchParserTest {
    static final long NOW = 1_795_000_000_000L;
    final BatchParser parser = new BatchParser(1000);

    static String event(String id, Object ts, String kind, String key, Object duration) {
        return "{\"event_id\":\"" + id + "\",\"ts\":" + ts + ",\"kind\":\"" + kind + "\",\"key\":\"" + key + "\""
                + (duration == null ? "" : ",\"duration_ms\":" + duration) + "}";
    }

    ParsedBatch parse(String body) throws MalformedBatchException {
        return parser.parse(body.getBytes(StandardCharsets.UTF_8), NOW);
    }

    void malformed(String body, String messagePart) {
        malformed(body.getBytes(StandardCharsets.UTF_8), messagePart);
    }

    void malformed(byte[] body, String messagePart) {
        MalformedBatchException e = assertThrows(MalformedBatchException.class, () -> parser.parse(body, NOW));
        assertTrue(e.getMessage().contains(messagePart), () -> "message was: " + e.getMessage());
    }

    @Test
    void acceptsAValidBatchAndNormalises() throws Exception {
        String id = UUID.randomUUID().toString().toUpperCase();
        ParsedBatch b = parse("{\"batch_id\":\"" + UUID.randomUUID() + "\",\"unknown\":{\"a\":[1,2]},\"events\":["
                + event(id, NOW, "app", "com.android.chrome", 60000) + ","
                + event(UUID.randomUUID().toString(), "\"2026-11-18T10:15:30.123+01:00\"", "web", "example.org", null) + "]}");
        assertEquals(2, b.accepted().size());
        assertEquals(id.toLowerCase(), b.accepted().get(0).eventId());
        assertEquals(0, b.accepted().get(1).durationMs());
        assertTrue(b.batchId().isPresent());
        assertEquals(List.of(), b.rejected());
    }

    @Test
    void rejectsBadEventsByIndexWithAReason() throws Exception {
        String ok = UUID.randomUUID().toString();
        String body = "{\"events\":[" + String.join(",",
                event(ok, NOW, "app", "a", 0),                                    // 0 ok
                event("not-a-uuid", NOW, "app", "a", 0),                          // 1
                event(ok, NOW - 31L * 86_400_000, "app", "a", 0),                  // 2 31 days old
                event(ok, NOW + 6 * 60_000, "app", "a", 0),                        // 3 6 minutes ahead
                event(ok, NOW, "App", "a", 0),                                     // 4 kind
                event(ok, NOW, "app", "k".repeat(257), 0),                        // 5 257-character key
                event(ok, NOW, "app", "a\\u0007b", 0),                            // 6 control character
                event(ok, NOW, "app", "a", 86_400_001),                            // 7 duration
                event(ok, NOW, "app", "a", "99999999999999999999999"),            // 8 too large for a long
                event(ok, NOW, "app", "a", 1.5),                                   // 9 not an integer
                "42",                                                              // 10 not an object
                "{\"ts\":" + NOW + ",\"kind\":\"app\",\"key\":\"a\"}",             // 11 no event_id
                event(ok, "\"yesterday\"", "app", "a", 0),                         // 12 ts text
                event(ok, "99999999999999999999999", "app", "a", 0),               // 13 ts too large
                event(ok, NOW, "app", "", 0),                                      // 14 empty key
                event(ok, NOW, "app", "k".repeat(256), 0),                        // 15 ok: 256 characters
                event(ok, NOW, "app", "a", -1)) + "]}";                            // 16 negative
        ParsedBatch b = parse(body);
        assertEquals(2, b.accepted().size());
        var reasons = b.rejected().stream().map(r -> r.index() + ":" + r.reason()).toList();
        String[] expected = {"1:event_id must be a UUID", "2:ts is more than 30 days", "3:ts is more than 5 minutes",
            "4:kind must start", "5:key must be 1 to 256", "6:key must not contain control", "7:duration_ms",
            "8:duration_ms", "9:duration_ms", "10:event must be a JSON object", "11:event_id is required",
            "12:ts must be an RFC 3339", "13:ts must be", "14:key must be 1 to 256", "16:duration_ms"};
        assertEquals(expected.length, reasons.size(), reasons.toString());
        for (int i = 0; i < expected.length; i++) {
            assertTrue(reasons.get(i).startsWith(expected[i]), reasons.get(i) + " vs " + expected[i]);
        }
        assertEquals(b.rejected().size(), b.rejectedRaw().size());
        assertTrue(b.rejectedRaw().get(0).contains("not-a-uuid"));
    }

    @Test
    void tsBoundariesAreInclusive() throws Exception {
        ParsedBatch b = parse("{\"events\":[" + event(UUID.randomUUID().toString(), NOW - EventRules.MAX_AGE_MS, "app", "a", 0)
                + "," + event(UUID.randomUUID().toString(), NOW + EventRules.MAX_AHEAD_MS, "app", "a", 0) + "]}");
        assertEquals(2, b.accepted().size());
    }

    @Test
    void refusesMalformedBodiesAsAWhole() {
        String ev = event(UUID.randomUUID().toString(), NOW, "app", "a", 0);
        malformed("", "body is empty");
        malformed("   ", "body is empty");
        malformed("not json", "not valid JSON");
        malformed("[" + ev + "]", "must be a JSON object");
        malformed("\"events\"", "must be a JSON object");
        malformed("{}", "no \"events\"");
        malformed("{\"events\":{}}", "must be an array");
        malformed("{\"events\":[]}", "empty");
        malformed("{\"events\":[" + ev + "]", "not valid JSON");
        malformed("{\"events\":[" + ev + "]} {}", "data after");
        malformed("{\"events\":[" + ev + "],\"events\":[" + ev + "]}", "duplicate key");
        malformed("{\"events\":[{\"event_id\":\"a\",\"event_id\":\"b\"}]}", "duplicate key");
        malformed("{\"batch_id\":\"nope\",\"events\":[" + ev + "]}", "batch_id must be a UUID");
        malformed("{\"batch_id\":7,\"events\":[" + ev + "]}", "batch_id must be a UUID");
        malformed("{\"events\":[" + event(UUID.randomUUID().toString(), "NaN", "app", "a", 0) + "]}", "not valid JSON");
        malformed("{\"events\":[" + event(UUID.randomUUID().toString(), NOW, "app", "a", "Infinity") + "]}", "not valid JSON");
        malformed("{\"x\":" + "[".repeat(100) + "]".repeat(100) + ",\"events\":[" + ev + "]}", "nested too deeply");
    }

    @Test
    void refusesTooManyEvents() {
        StringBuilder b = new StringBuilder("{\"events\":[");
        for (int i = 0; i < 1001; i++) {
            b.append(i == 0 ? "" : ",").append(event(UUID.randomUUID().toString(), NOW, "app", "a", 0));
        }
        malformed(b.append("]}").toString(), "too many events");
    }

    @Test
    void refusesInvalidUtf8() {
        byte[] prefix = "{\"events\":[{\"event_id\":\"".getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[prefix.length + 4];
        System.arraycopy(prefix, 0, body, 0, prefix.length);
        body[prefix.length] = (byte) 0xC3;
        body[prefix.length + 1] = (byte) 0x28;
        body[prefix.length + 2] = '"';
        body[prefix.length + 3] = '}';
        malformed(body, "UTF-8");
    }

    @Test
    void codecRoundTrips() throws Exception {
        var events = List.of(new UsageEvent(UUID.randomUUID().toString(), NOW, "app", "k \"quoted\" ü", 5),
                new UsageEvent(UUID.randomUUID().toString(), NOW - 1, "web", "x", 0));
        assertEquals(events, EventCodec.decode(EventCodec.encode(events)));
        assertThrows(MalformedBatchException.class, () -> EventCodec.decode("[[1,2]]".getBytes(StandardCharsets.UTF_8)));
        assertThrows(MalformedBatchException.class, () -> EventCodec.decode("{}".getBytes(StandardCharsets.UTF_8)));
    }
}
