package io.nuscape.ingest.internal;

import io.nuscape.core.auth.JwtKey;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.TokenIssuer;
import io.nuscape.core.auth.TokenRejectedException;
import io.nuscape.core.event.BatchParser;
import io.nuscape.core.event.EventCodec;
import io.nuscape.core.event.MalformedBatchException;
import io.nuscape.ingest.IngestFunction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
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
        Optional<String> token = primingToken(f);
        for (int i = 0; i < ROUNDS; i++) {
            try {
                EventCodec.encode(parser.parse(body, now).accepted());
            } catch (MalformedBatchException e) {
                throw new IllegalStateException("priming body is malformed: " + e.getMessage(), e);
            }
            try {
                f.verifier().verifyAuthorization("Bearer " + token.orElse("eyJhbGciOiJIUzI1NiIsImtpZCI6InByaW1lIn0.e30.c2ln"));
            } catch (TokenRejectedException expected) {
                // Without an HS256 key the priming token cannot verify; the rejection path is warm instead.
            }
        }
        try {
            f.queue().prime();
        } catch (RuntimeException e) {
            // Redis may be unreachable while the snapshot is taken; requests connect after restore.
        }
    }

    /** HMAC signing is deterministic, so an HS256 key can sign a priming token without randomness. */
    private static Optional<String> primingToken(IngestFunction f) {
        Optional<JwtKey> hs = f.keys().keys().keys().stream().filter(k -> k.alg().equals("HS256")).findFirst();
        return hs.map(k -> new TokenIssuer(f.keys(), Optional.of(k.kid()), f.settings().jwtIssuer(), f.settings().jwtAudience())
                .issue(FIXED, FIXED.toString(), Set.of(Scope.INGEST), 0, Instant.now(), Duration.ofMinutes(5)));
    }
}
