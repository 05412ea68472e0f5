package io.nuscape.ingest.internal;

import io.nuscape.core.Json;
import io.nuscape.core.auth.JwtKey;
import io.nuscape.core.auth.TokenRejectedException;
import io.nuscape.core.event.BatchParser;
import io.nuscape.core.event.EventCodec;
import io.nuscape.core.event.MalformedBatchException;
import io.nuscape.core.event.ParsedBatch;
import io.nuscape.ingest.IngestFunction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Runs the hot path's code once before the SnapStart snapshot so it is loaded and JIT-warm after restore:
 * JSON parsing and validation, token verification and the Redis script, without writing anything. Uses
 * fixed ids only: nothing random or unique may be baked into a snapshot.
 */
public final class Priming {
    private static final UUID FIXED = new UUID(0x0123456789abcdefL, 0x0123456789abcdefL);
    private static final int ROUNDS = 200;

    private Priming() {
    }

    public static void prime(IngestFunction f) {
        long now = Instant.now().toEpochMilli();
        byte[] body = ("{\"batch_id\":\"" + FIXED + "\",\"events\":[{\"event_id\":\"" + FIXED
                + "\",\"ts\":" + now + ",\"kind\":\"app\",\"key\":\"priming\",\"duration_ms\":1000},"
                + "{\"event_id\":\"bad\",\"ts\":\"2026-01-01T00:00:00Z\",\"kind\":\"App\",\"key\":\"\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        BatchParser parser = new BatchParser(f.settings().maxEventsPerBatch());
        String token = primingToken(f);
        for (int i = 0; i < ROUNDS; i++) {
            try {
                ParsedBatch batch = parser.parse(body, now);
                EventCodec.encode(batch.accepted());
                // Every request writes an answer of this shape (plain values only: nothing that needs databind).
                Json.write(Map.of("batch_id", FIXED.toString(), "accepted", batch.accepted().size(), "rejected",
                        List.of(Map.of("index", 1, "event_id", "bad", "reason", batch.rejected().get(0).reason())),
                        "duplicate", false));
            } catch (MalformedBatchException e) {
                throw new IllegalStateException("priming body is malformed: " + e.getMessage(), e);
            }
            try {
                f.verifier().verifyAuthorization("Bearer " + token);
            } catch (TokenRejectedException expected) {
                // The signature of zeros never verifies: the rejection path after the signature check is warm.
            }
        }
        try {
            f.queue().prime();
        } catch (RuntimeException e) {
            // Redis may be unreachable while the snapshot is taken; requests connect after restore.
        }
    }

    /**
     * A token naming the first key of the set, with its algorithm and a signature of zeros: verification
     * looks the key up and runs the signature check (which fails), so that code is warm after restore.
     * Ingest holds public keys only (it cannot sign) and a snapshot must hold nothing random anyway.
     */
    private static String primingToken(IngestFunction f) {
        JwtKey key = f.keys().keys().keys().get(0);
        var url = Base64.getUrlEncoder().withoutPadding();
        String header = url.encodeToString(("{\"alg\":\"" + key.alg() + "\",\"kid\":" + Json.write(key.kid()) + "}")
                .getBytes(StandardCharsets.UTF_8));
        String claims = url.encodeToString(("{\"sub\":\"" + FIXED + "\",\"scope\":\"ingest\"}").getBytes(StandardCharsets.UTF_8));
        return header + "." + claims + "." + url.encodeToString(new byte[key.alg().equals("ES256") ? 64 : 32]);
    }
}
