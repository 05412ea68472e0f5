package io.nuscape.ingest;

import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import io.nuscape.core.Json;
import io.nuscape.core.StructuredLog;
import io.nuscape.core.auth.Principal;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.TokenRejectedException;
import io.nuscape.core.auth.TokenVerifier;
import io.nuscape.core.event.BatchParser;
import io.nuscape.core.event.EventCodec;
import io.nuscape.core.event.MalformedBatchException;
import io.nuscape.core.event.ParsedBatch;
import io.nuscape.core.event.Rejection;
import io.nuscape.core.event.UsageEvent;
import io.nuscape.core.queue.EnqueueOutcome;
import io.nuscape.core.queue.EnqueueRequest;
import io.nuscape.core.queue.EventQueue;
import io.nuscape.core.queue.QueueUnavailableException;
import io.nuscape.core.rollup.Rollups;
import io.nuscape.ingest.internal.BodyDecoder;
import io.nuscape.ingest.internal.MediaTypes;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code POST /api/v1/events/batch} as CONTRACT.md defines it: token, content type, size, body, then one
 * atomic enqueue. Knows nothing of Lambda; the handler, the local runtime and tests all call {@link #handle}.
 */
public final class IngestService {
    private final TokenVerifier verifier;
    private final EventQueue queue;
    private final BatchParser parser;
    private final int maxBodyBytes;
    private final int retryAfterSeconds;
    private final Clock clock;
    private final StructuredLog log;

    public IngestService(TokenVerifier verifier, EventQueue queue, int maxEventsPerBatch, int maxBodyBytes,
                         int retryAfterSeconds, Clock clock, StructuredLog log) {
        this.verifier = verifier;
        this.queue = queue;
        this.parser = new BatchParser(maxEventsPerBatch);
        this.maxBodyBytes = maxBodyBytes;
        this.retryAfterSeconds = retryAfterSeconds;
        this.clock = clock;
        this.log = log;
    }

    public HttpAnswer handle(IngestRequest request) {
        long started = System.nanoTime();
        Principal principal = null;
        HttpAnswer answer;
        Counts counts = Counts.NONE;
        try {
            principal = authenticate(request.headers().get("authorization"));
            MediaTypes.requireJson(request.headers().get("content-type"));
            byte[] body = BodyDecoder.decode(request.body(), request.headers().get("content-encoding"), maxBodyBytes);
            ParsedBatch batch;
            long validatedAt;
            try {
                batch = parser.parse(body, validatedAt = clock.millis());
            } catch (MalformedBatchException e) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, e.getMessage());
            }
            Enqueued enqueued = enqueue(principal, batch, validatedAt);
            answer = enqueued.answer();
            counts = new Counts(batch.accepted().size(), batch.rejected().size(), enqueued.duplicate());
        } catch (ApiException e) {
            answer = error(e);
        } catch (QueueUnavailableException e) {
            log.error("queue unavailable", fields(request, principal, Map.of("reason", String.valueOf(e.getMessage()))));
            answer = error(ApiException.retryLater(ErrorCode.UNAVAILABLE,
                    "the event queue is unreachable; nothing was queued, retry later", retryAfterSeconds));
        } catch (RuntimeException e) {
            log.error("unexpected failure", fields(request, principal, Map.of("error", e.getClass().getName(),
                    "reason", String.valueOf(e.getMessage()))));
            answer = error(new ApiException(ErrorCode.INTERNAL, "internal error; nothing was queued, retry later"));
        }
        if (log.enabled(StructuredLog.Level.INFO)) {
            var extra = new LinkedHashMap<String, Object>();
            extra.put("status", answer.status());
            extra.put("accepted", counts.accepted());
            extra.put("rejected", counts.rejected());
            extra.put("duplicate", counts.duplicate());
            extra.put("duration_ms", (System.nanoTime() - started) / 1_000_000.0);
            log.info("ingest", fields(request, principal, extra));
        }
        return answer;
    }

    private Principal authenticate(String authorization) {
        Principal principal;
        try {
            principal = verifier.verifyAuthorization(authorization);
        } catch (TokenRejectedException e) {
            throw new ApiException(ErrorCode.INVALID_TOKEN, e.getMessage());
        }
        if (!principal.has(Scope.INGEST)) {
            throw new ApiException(ErrorCode.INSUFFICIENT_SCOPE, "this token lacks the 'ingest' scope; use the device's token");
        }
        return principal;
    }

    /**
     * What the batch costs against the account's rate limit: the rows an event makes the drainer write grow
     * with its duration, so a long event costs more (one unit per started minute), and an ordinary one one.
     */
    private static int cost(ParsedBatch batch) {
        long units = batch.rejected().size();
        for (UsageEvent e : batch.accepted()) {
            units += Rollups.rateUnitsOf(e);
        }
        return (int) Math.min(Integer.MAX_VALUE, units);
    }

    private Enqueued enqueue(Principal principal, ParsedBatch batch, long validatedAt) {
        String answerBody = answerBody(batch);
        EnqueueRequest request = new EnqueueRequest(
                principal.accountId(),
                UUID.fromString(principal.subject()),
                principal.tokenGeneration(),
                batch.batchId(),
                batch.accepted().size(),
                batch.rejected().size(),
                cost(batch),
                batch.accepted().isEmpty() ? new byte[0] : EventCodec.encode(batch.accepted()),
                batch.rejected().isEmpty() ? "" : deadLetter(batch),
                answerBody,
                validatedAt);
        EnqueueOutcome outcome = queue.enqueue(request);
        return switch (outcome) {
            case EnqueueOutcome.Accepted a -> new Enqueued(accepted(answerBody), false);
            case EnqueueOutcome.Duplicate d -> new Enqueued(accepted(asDuplicate(d.answer())), true);
            case EnqueueOutcome.Revoked r -> throw new ApiException(ErrorCode.DEVICE_REVOKED,
                    "this device was erased or its token was rotated; enroll again or use the newest token");
            case EnqueueOutcome.RateLimited r -> throw ApiException.retryLater(ErrorCode.RATE_LIMITED,
                    "the account is over its ingest rate limit; nothing was queued, retry after " + r.retryAfterSeconds() + " s",
                    r.retryAfterSeconds());
            case EnqueueOutcome.QuotaExceeded q -> throw ApiException.retryLater(ErrorCode.QUOTA_EXCEEDED,
                    "the account reached its monthly event quota (hard); nothing was queued until the month ends (UTC), in "
                            + q.retryAfterSeconds() + " s, unless an admin raises the quota", q.retryAfterSeconds());
            case EnqueueOutcome.Backlogged b -> throw ApiException.retryLater(ErrorCode.UNAVAILABLE,
                    "the ingest backlog is over its cap; nothing was queued, retry later", retryAfterSeconds);
        };
    }

    private static HttpAnswer accepted(String body) {
        return new HttpAnswer(202, Map.of("Content-Type", HttpAnswer.JSON), body);
    }

    private static String answerBody(ParsedBatch batch) {
        var body = new LinkedHashMap<String, Object>();
        body.put("batch_id", batch.batchId().orElse(null));
        body.put("accepted", batch.accepted().size());
        List<Map<String, Object>> rejected = new ArrayList<>(batch.rejected().size());
        for (Rejection r : batch.rejected()) {
            var item = new LinkedHashMap<String, Object>();
            item.put("index", r.index());
            item.put("event_id", r.eventId());
            item.put("reason", r.reason());
            rejected.add(item);
        }
        body.put("rejected", rejected);
        body.put("duplicate", false);
        return Json.write(body);
    }

    /** Rejected events recorded in detail per request; the client's answer lists every one of them. */
    static final int DEAD_LETTER_DETAILED = 100;
    /** Characters of an event's raw text kept in its dead letter. */
    static final int DEAD_LETTER_RAW_CHARS = 1024;

    /**
     * The dead letter of a request's rejected events, bounded in size whatever the request held (at most
     * about 110 KiB): the first {@link #DEAD_LETTER_DETAILED} with their raw text cut to
     * {@link #DEAD_LETTER_RAW_CHARS} characters, then how many more there were. The dead-letter stream is a
     * record for people, capped by entries, so its bytes are bounded by what one entry may hold.
     */
    private static String deadLetter(ParsedBatch batch) {
        int detailed = Math.min(batch.rejected().size(), DEAD_LETTER_DETAILED);
        List<Map<String, Object>> items = new ArrayList<>(detailed + 1);
        for (int i = 0; i < detailed; i++) {
            Rejection r = batch.rejected().get(i);
            var item = new LinkedHashMap<String, Object>();
            item.put("index", r.index());
            item.put("event_id", r.eventId() == null ? null : truncated(r.eventId(), 64));
            item.put("reason", r.reason());
            String raw = batch.rejectedRaw().get(i);
            item.put("event", truncated(raw, DEAD_LETTER_RAW_CHARS));
            if (raw.length() > DEAD_LETTER_RAW_CHARS) {
                item.put("event_truncated", true);
            }
            items.add(item);
        }
        if (batch.rejected().size() > detailed) {
            items.add(Map.of("omitted", batch.rejected().size() - detailed));
        }
        return Json.write(items);
    }

    private static String truncated(String s, int chars) {
        return s.length() <= chars ? s : s.substring(0, chars);
    }

    /** The stored first answer with {@code "duplicate": true}, in its place, every other field as stored. */
    @SuppressWarnings("unchecked")
    private static String asDuplicate(String stored) {
        Object answer;
        try {
            answer = Json.read(stored);
        } catch (Exception e) {
            throw new IllegalStateException("stored batch answer is not JSON", e);
        }
        if (!(answer instanceof Map<?, ?> fields)) {
            throw new IllegalStateException("stored batch answer is not a JSON object");
        }
        ((Map<String, Object>) fields).put("duplicate", true);
        return Json.write(fields);
    }

    private static HttpAnswer error(ApiException e) {
        var headers = new LinkedHashMap<String, String>(e.headers());
        headers.put("Content-Type", HttpAnswer.JSON);
        return new HttpAnswer(e.error().status(), headers, Json.error(e.error(), e.getMessage()));
    }

    private static Map<String, Object> fields(IngestRequest request, Principal principal, Map<String, ?> extra) {
        var f = new LinkedHashMap<String, Object>();
        f.put("request_id", request.requestId());
        f.put("account", principal == null ? null : principal.accountId().toString());
        f.put("device", principal == null ? null : principal.subject());
        f.putAll(extra);
        return f;
    }

    private record Enqueued(HttpAnswer answer, boolean duplicate) {
    }

    private record Counts(int accepted, int rejected, boolean duplicate) {
        static final Counts NONE = new Counts(0, 0, false);
    }
}
