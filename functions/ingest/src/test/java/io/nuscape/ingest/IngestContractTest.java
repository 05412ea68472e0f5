package io.nuscape.ingest;

import static io.nuscape.ingest.IngestFixture.batch;
import static io.nuscape.ingest.IngestFixture.event;
import static io.nuscape.ingest.IngestFixture.events;
import static io.nuscape.ingest.IngestFixture.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import io.lettuce.core.StreamMessage;
import io.nuscape.core.Json;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.event.EventCodec;
import io.nuscape.core.event.UsageEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every row of CONTRACT.md's ingest table, through the Lambda handler, against real Redis. */
class IngestContractTest {
    static IngestFixture f;

    @BeforeAll
    static void start() {
        f = new IngestFixture("contract", Map.of("NUSCAPE_STREAM_SHARDS", "4"));
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    static void assertError(APIGatewayV2HTTPResponse r, int status, String code, String messagePart) {
        IngestContractTestSupport.assertError(r, status, code, messagePart);
    }

    /** Runs a request that must be refused and proves that nothing reached either stream. */
    static APIGatewayV2HTTPResponse refusedAndNothingQueued(java.util.function.Supplier<APIGatewayV2HTTPResponse> call) {
        int before = f.streamEntries().size();
        int dlqBefore = f.deadLetters().size();
        APIGatewayV2HTTPResponse r = call.get();
        assertEquals(before, f.streamEntries().size(), "a refused request must not reach the stream");
        assertEquals(dlqBefore, f.deadLetters().size(), "a refused request must not reach the dead-letter stream");
        return r;
    }

    @Test
    void acceptsABatchAsOneStreamEntryOnTheAccountsShard() throws Exception {
        UUID account = UUID.randomUUID();
        UUID device = UUID.randomUUID();
        UUID batchId = UUID.randomUUID();
        List<String> evs = events(50);
        APIGatewayV2HTTPResponse r = f.post(f.token(account, device, Set.of(Scope.INGEST), 0), batch(batchId, evs));
        assertEquals(202, r.getStatusCode(), r.getBody());
        JsonNode body = json(r);
        assertEquals(batchId.toString(), body.get("batch_id").asText());
        assertEquals(50, body.get("accepted").asInt());
        assertEquals(0, body.get("rejected").size());
        assertFalse(body.get("duplicate").asBoolean());

        int shard = f.keys.shardOf(account);
        List<StreamMessage<String, String>> entries = f.redis.xrange(f.keys.stream(shard), io.lettuce.core.Range.create("-", "+"));
        List<StreamMessage<String, String>> mine = entries.stream().filter(e -> e.getBody().get("acct").equals(account.toString())).toList();
        assertEquals(1, mine.size(), "one stream entry per accepted batch");
        Map<String, String> entry = mine.get(0).getBody();
        assertEquals(device.toString(), entry.get("dev"));
        assertEquals(batchId.toString(), entry.get("batch"));
        assertEquals("50", entry.get("n"));
        List<UsageEvent> decoded = EventCodec.decode(entry.get("events").getBytes(StandardCharsets.UTF_8));
        assertEquals(50, decoded.size());
        assertEquals(Json.mapper().readTree(evs.get(0)).get("event_id").asText(), decoded.get(0).eventId());
    }

    @Test
    void anEs256DeviceTokenWorksAndAnAccountAlwaysMapsToOneShard() {
        UUID account = UUID.randomUUID();
        UUID device = UUID.randomUUID();
        String token = f.token("es-test", account, device.toString(), Set.of(Scope.INGEST), 0);
        for (int i = 0; i < 3; i++) {
            assertEquals(202, f.post(token, batch(UUID.randomUUID(), events(2))).getStatusCode());
        }
        long inItsShard = f.redis.xrange(f.keys.stream(f.keys.shardOf(account)), io.lettuce.core.Range.create("-", "+"))
                .stream().filter(e -> e.getBody().get("acct").equals(account.toString())).count();
        assertEquals(3, inItsShard);
    }

    @Test
    void theSameBatchIdAnswersAsTheFirstTimeAndEnqueuesNothing() {
        UUID account = UUID.randomUUID();
        UUID device = UUID.randomUUID();
        String token = f.token(account, device, Set.of(Scope.INGEST), 0);
        UUID batchId = UUID.randomUUID();
        List<String> evs = new ArrayList<>(events(3));
        evs.add(event(UUID.randomUUID(), System.currentTimeMillis(), "BAD", "x", 0));
        String body = batch(batchId, evs);
        JsonNode first = json(f.post(token, body));
        int entries = f.streamEntries().size();
        int dlq = f.deadLetters().size();

        APIGatewayV2HTTPResponse again = f.post(token, body);
        assertEquals(202, again.getStatusCode());
        JsonNode second = json(again);
        assertTrue(second.get("duplicate").asBoolean());
        assertEquals(first.get("accepted"), second.get("accepted"));
        assertEquals(first.get("rejected"), second.get("rejected"));
        // A re-formed batch under the same id (e.g. after the client merged its queue) is still the same batch.
        JsonNode reformed = json(f.post(token, batch(batchId, events(5))));
        assertTrue(reformed.get("duplicate").asBoolean());
        assertEquals(3, reformed.get("accepted").asInt());
        assertEquals(entries, f.streamEntries().size());
        assertEquals(dlq, f.deadLetters().size());
        assertTrue(Long.parseLong(f.stats(account).get("batches_duplicate")) >= 2);

        // Another device using the same batch id is a different batch.
        String other = f.token(account, UUID.randomUUID(), Set.of(Scope.INGEST), 0);
        assertFalse(json(f.post(other, body)).get("duplicate").asBoolean());
    }

    @Test
    void theDuplicateAnswerIsTheFirstAnswerWordForWordButDuplicate() {
        String token = f.token(UUID.randomUUID(), UUID.randomUUID(), Set.of(Scope.INGEST), 0);
        long now = System.currentTimeMillis();
        List<String> evs = new ArrayList<>(events(2));
        // Rejected events whose ids the answer repeats: escapes, quotes, controls, raw and escaped surrogate pairs.
        for (String id : new String[] {"q\\\"uote\\\\back\\nline\\u0001", "é 中 😀", "\\ud83d\\ude00\\u00e9", "x".repeat(80)}) {
            evs.add("{\"event_id\":\"" + id + "\",\"ts\":" + now + ",\"kind\":\"app\",\"key\":\"k\"}");
        }
        evs.add("{\"event_id\":\"" + UUID.randomUUID() + "\",\"ts\":1.5,\"kind\":\"app\",\"key\":\"k\",\"extra\":{\"a\":[1,2.5]}}");
        String body = batch(UUID.randomUUID(), evs);

        APIGatewayV2HTTPResponse first = f.post(token, body);
        APIGatewayV2HTTPResponse again = f.post(token, body);
        assertEquals(202, first.getStatusCode());
        assertEquals(202, again.getStatusCode());
        assertTrue(first.getBody().endsWith(",\"duplicate\":false}"), first.getBody());
        assertEquals(first.getBody().replace(",\"duplicate\":false}", ",\"duplicate\":true}"), again.getBody());
        assertEquals("q\"uote\\back\nline\u0001", json(first).get("rejected").get(0).get("event_id").asText());
        assertEquals("\ud83d\ude00\u00e9", json(again).get("rejected").get(2).get("event_id").asText());
    }

    @Test
    void withoutBatchIdEveryRequestIsEnqueued() {
        String token = f.token(UUID.randomUUID(), UUID.randomUUID(), Set.of(Scope.INGEST), 0);
        String body = batch(null, events(2));
        int before = f.streamEntries().size();
        JsonNode a = json(f.post(token, body));
        assertTrue(a.get("batch_id").isNull());
        f.post(token, body);
        assertEquals(before + 2, f.streamEntries().size());
    }

    @Test
    void rejectedEventsAreReportedByIndexAndRecordedInTheDeadLetterStream() {
        UUID account = UUID.randomUUID();
        UUID device = UUID.randomUUID();
        long now = System.currentTimeMillis();
        UUID bad = UUID.randomUUID();
        String body = batch(UUID.randomUUID(), List.of(
                event(UUID.randomUUID(), now, "app", "ok", 0),
                event(bad, now - 31L * 86_400_000, "app", "old", 0),
                event(UUID.randomUUID(), now + 6 * 60_000, "app", "ahead", 0)));
        JsonNode r = json(f.post(f.token(account, device, Set.of(Scope.INGEST), 0), body));
        assertEquals(1, r.get("accepted").asInt());
        assertEquals(2, r.get("rejected").size());
        assertEquals(1, r.get("rejected").get(0).get("index").asInt());
        assertEquals(bad.toString(), r.get("rejected").get(0).get("event_id").asText());
        assertTrue(r.get("rejected").get(0).get("reason").asText().contains("30 days"));
        assertTrue(r.get("rejected").get(1).get("reason").asText().contains("5 minutes"));

        var mine = f.deadLetters().stream().filter(e -> device.toString().equals(e.getBody().get("dev"))).toList();
        assertEquals(1, mine.size());
        String record = mine.get(0).getBody().get("rejected");
        assertTrue(record.contains("30 days") && record.contains("\"index\":1") && record.contains("old"), record);
        assertEquals(account.toString(), mine.get(0).getBody().get("acct"));
    }

    /** One device sending the largest batches of the largest rejected events cannot grow a dead letter past its bound. */
    @Test
    void aDeadLetterIsBoundedWhateverTheRequestHeld() {
        UUID device = UUID.randomUUID();
        List<String> events = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++) {
            events.add(event(UUID.randomUUID(), System.currentTimeMillis(), "app", "k".repeat(2_000), 0)); // key over 256: rejected
        }
        JsonNode r = json(f.post(f.token(UUID.randomUUID(), device, Set.of(Scope.INGEST), 0), batch(UUID.randomUUID(), events)));
        assertEquals(300, r.get("rejected").size(), "the client is told of every rejection");
        String record = f.deadLetters().stream().filter(e -> device.toString().equals(e.getBody().get("dev"))).findFirst()
                .orElseThrow().getBody().get("rejected");
        assertTrue(record.length() < 130_000, "a dead letter of " + record.length() + " characters");
        assertTrue(record.contains("\"omitted\":200") && record.contains("\"event_truncated\":true"), record.substring(0, 300));
    }

    @Test
    void aBatchWithOnlyRejectedEventsIsAnsweredAndRecordedButNotStreamed() {
        UUID device = UUID.randomUUID();
        int before = f.streamEntries().size();
        JsonNode r = json(f.post(f.token(UUID.randomUUID(), device, Set.of(Scope.INGEST), 0),
                batch(UUID.randomUUID(), List.of(event(UUID.randomUUID(), 1, "app", "x", 0)))));
        assertEquals(0, r.get("accepted").asInt());
        assertEquals(before, f.streamEntries().size());
        assertEquals(1, f.deadLetters().stream().filter(e -> device.toString().equals(e.getBody().get("dev"))).count());
    }

    @Test
    void gzipBodiesAreAccepted() {
        String token = f.token(UUID.randomUUID(), UUID.randomUUID(), Set.of(Scope.INGEST), 0);
        byte[] gz = IngestFixture.gzip(IngestFixture.utf8(batch(UUID.randomUUID(), events(100))));
        APIGatewayV2HTTPResponse r = f.postBytes(token, gz, Map.of("content-encoding", "gzip"));
        assertEquals(202, r.getStatusCode(), r.getBody());
        assertEquals(100, json(r).get("accepted").asInt());
    }

    @Test
    void authenticationFailuresAre401WithWwwAuthenticate() {
        String body = batch(UUID.randomUUID(), events(1));
        for (String token : new String[] {null, "garbage", "a.b.c"}) {
            APIGatewayV2HTTPResponse r = refusedAndNothingQueued(() -> f.post(token, body));
            assertError(r, 401, "invalid_token", "");
            assertEquals("Bearer error=\"invalid_token\"", r.getHeaders().get("WWW-Authenticate"));
        }
    }

    @Test
    void aTokenWithoutIngestScopeIs403() {
        String body = batch(UUID.randomUUID(), events(1));
        for (Scope s : new Scope[] {Scope.READ, Scope.ADMIN, Scope.OPERATOR}) {
            String token = f.token(UUID.randomUUID(), UUID.randomUUID(), Set.of(s), 0);
            assertError(refusedAndNothingQueued(() -> f.post(token, body)), 403, "insufficient_scope", "ingest");
        }
    }

    @Test
    void revokedAndRotatedDevicesAre403DeviceRevoked() {
        UUID account = UUID.randomUUID();
        UUID device = UUID.randomUUID();
        String old = f.token(account, device, Set.of(Scope.INGEST), 1);
        String current = f.token(account, device, Set.of(Scope.INGEST), 2);
        f.control.setMinimumTokenGeneration(account, device, 2);
        assertError(refusedAndNothingQueued(() -> f.post(old, batch(UUID.randomUUID(), events(1)))), 403, "device_revoked", "rotated");
        f.control.setMinimumTokenGeneration(account, device, 1); // an older rotation's write arriving late
        assertError(refusedAndNothingQueued(() -> f.post(old, batch(UUID.randomUUID(), events(1)))), 403, "device_revoked", "rotated");
        assertEquals(202, f.post(current, batch(UUID.randomUUID(), events(1))).getStatusCode());
        f.control.markErased(account, device);
        assertError(refusedAndNothingQueued(() -> f.post(current, batch(UUID.randomUUID(), events(1)))), 403, "device_revoked", "erased");
        // The same device id under another account is another device: tenants never touch each other's state.
        assertEquals(202, f.post(f.token(UUID.randomUUID(), device, Set.of(Scope.INGEST), 0), batch(UUID.randomUUID(), events(1))).getStatusCode());
    }

    @Test
    void duplicatesAreScopedToTheDeviceAndAccountOfTheToken() {
        UUID batchId = UUID.randomUUID();
        UUID device = UUID.randomUUID();
        String body = batch(batchId, events(2));
        String a = f.token(UUID.randomUUID(), device, Set.of(Scope.INGEST), 0);
        assertFalse(json(f.post(a, body)).get("duplicate").asBoolean());
        UUID otherDevice = UUID.randomUUID();
        assertFalse(json(f.post(f.token(UUID.randomUUID(), otherDevice, Set.of(Scope.INGEST), 0), body)).get("duplicate").asBoolean());
    }

    @Test
    void wrongContentTypeIs415() {
        String token = f.token(UUID.randomUUID(), UUID.randomUUID(), Set.of(Scope.INGEST), 0);
        String body = batch(UUID.randomUUID(), events(1));
        for (String ct : new String[] {"text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1"}) {
            assertError(refusedAndNothingQueued(() -> f.post(token, body, Map.of("content-type", ct))), 415, "unsupported_media_type", "");
        }
        Map<String, String> noType = new java.util.HashMap<>();
        noType.put("content-type", null);
        assertError(refusedAndNothingQueued(() -> f.post(token, body, noType)), 415, "unsupported_media_type", "missing");
        assertError(refusedAndNothingQueued(() -> f.post(token, body, Map.of("content-encoding", "br"))), 415,
                "unsupported_media_type", "Content-Encoding");
        assertEquals(202, f.post(token, batch(UUID.randomUUID(), events(1)), Map.of("content-type", "application/json; charset=UTF-8")).getStatusCode());
    }

    @Test
    void oversizedBodiesAre413IncludingAGzipBomb() {
        String token = f.token(UUID.randomUUID(), UUID.randomUUID(), Set.of(Scope.INGEST), 0);
        String tenMb = "{\"events\":[],\"pad\":\"" + "x".repeat(10 * 1024 * 1024) + "\"}";
        assertError(refusedAndNothingQueued(() -> f.post(token, tenMb)), 413, "payload_too_large", "1048576 bytes");
        // 1 GiB of zeros compresses to about 1 MiB; build a 64 MiB bomb (64 KiB gzip) and time the refusal.
        byte[] bomb = IngestFixture.gzip(new byte[64 << 20]);
        assertTrue(bomb.length < 200_000);
        long t0 = System.nanoTime();
        assertError(refusedAndNothingQueued(() -> f.postBytes(token, bomb, Map.of("content-encoding", "gzip"))), 413, "payload_too_large", "after decompression");
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 2000, "the bomb must be refused without inflating it all");
        assertError(refusedAndNothingQueued(() -> f.postBytes(token, "not gzip".getBytes(StandardCharsets.UTF_8), Map.of("content-encoding", "gzip"))),
                400, "invalid_request", "gzip");
    }

    @Test
    void malformedBodiesAre400AndNothingIsQueued() {
        String token = f.token(UUID.randomUUID(), UUID.randomUUID(), Set.of(Scope.INGEST), 0);
        String ev = event(UUID.randomUUID(), System.currentTimeMillis(), "app", "a", 0);
        String[][] cases = {
            {"not json", "not valid JSON"},
            {"[" + ev + "]", "JSON object"},
            {"{\"events\":" + "[".repeat(5000) + "]".repeat(5000) + "}", "nested too deeply"},
            {"{}", "no \"events\""},
            {"{\"events\":[]}", "empty"},
            {"{\"events\":\"x\"}", "must be an array"},
            {"{\"events\":[" + ev + "],\"events\":[" + ev + "]}", "duplicate key"},
            {"{\"batch_id\":\"123\",\"events\":[" + ev + "]}", "batch_id"},
            {"{\"events\":[{\"event_id\":\"" + UUID.randomUUID() + "\",\"ts\":NaN,\"kind\":\"app\",\"key\":\"a\"}]}", "not valid JSON"},
            {"{\"events\":[{\"event_id\":\"" + UUID.randomUUID() + "\",\"ts\":1,\"kind\":\"app\",\"key\":\"a\",\"duration_ms\":Infinity}]}", "not valid JSON"},
        };
        for (String[] c : cases) {
            assertError(refusedAndNothingQueued(() -> f.post(token, c[0])), 400, "invalid_request", c[1]);
        }
        StringBuilder tooMany = new StringBuilder();
        for (int i = 0; i < 1001; i++) {
            tooMany.append(i == 0 ? "" : ",").append(event(UUID.randomUUID(), System.currentTimeMillis(), "app", "a", 0));
        }
        assertError(refusedAndNothingQueued(() -> f.post(token, "{\"events\":[" + tooMany + "]}")), 400, "invalid_request", "too many events");
        byte[] invalidUtf8 = ("{\"events\":[{\"event_id\":\"\u0000\"}]}").getBytes(StandardCharsets.UTF_8);
        invalidUtf8[invalidUtf8.length - 5] = (byte) 0xFF;
        assertError(refusedAndNothingQueued(() -> f.postBytes(token, invalidUtf8, Map.of())), 400, "invalid_request", "UTF-8");
    }

    @Test
    void badEventsInAnOtherwiseGoodBodyAreRejectedPerIndex() {
        String token = f.token(UUID.randomUUID(), UUID.randomUUID(), Set.of(Scope.INGEST), 0);
        long now = System.currentTimeMillis();
        String body = "{\"events\":[" + String.join(",",
                event(UUID.randomUUID(), now, "app", "k".repeat(257), 0),
                event(UUID.randomUUID(), now, "app", "bell\\u0007", 0),
                "{\"event_id\":\"" + UUID.randomUUID() + "\",\"ts\":" + now + ",\"kind\":\"app\",\"key\":\"a\",\"duration_ms\":123456789012345678901234567890}",
                event(UUID.randomUUID(), now - 31L * 86_400_000, "app", "a", 0),
                event(UUID.randomUUID(), now + 6 * 60_000, "app", "a", 0)) + "]}";
        int before = f.streamEntries().size();
        APIGatewayV2HTTPResponse r = f.post(token, body);
        assertEquals(202, r.getStatusCode(), r.getBody());
        JsonNode j = json(r);
        assertEquals(0, j.get("accepted").asInt());
        assertEquals(5, j.get("rejected").size());
        assertEquals(before, f.streamEntries().size(), "no accepted event, no stream entry");
    }

    @Test
    void unknownRoutesAndMethodsAreAnsweredInJson() {
        assertError(f.send("GET", IngestHandler.ROUTE, Map.of(), null, false), 405, "method_not_allowed", "POST");
        assertError(f.send("POST", "/api/v1/nope", Map.of(), "{}", false), 404, "not_found", "no route");
    }

    @Test
    void countersForMetricsLite() {
        UUID account = UUID.randomUUID();
        String token = f.token(account, UUID.randomUUID(), Set.of(Scope.INGEST), 0);
        List<String> evs = new ArrayList<>(events(4));
        evs.add(event(UUID.randomUUID(), 5, "app", "x", 0));
        f.post(token, batch(UUID.randomUUID(), evs));
        Map<String, String> stats = f.stats(account);
        assertNotNull(stats.get("events_accepted"));
        assertTrue(Long.parseLong(stats.get("events_accepted")) >= 4);
        assertTrue(Long.parseLong(stats.get("events_rejected")) >= 1);
        assertTrue(Long.parseLong(stats.get("dlq_entries")) >= 1);
    }
}
