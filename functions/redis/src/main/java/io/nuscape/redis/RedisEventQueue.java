package io.nuscape.redis;

import io.lettuce.core.ScriptOutputType;
import io.nuscape.core.Settings;
import io.nuscape.core.queue.EnqueueOutcome;
import io.nuscape.core.queue.EnqueueRequest;
import io.nuscape.core.queue.EventQueue;
import io.nuscape.core.queue.QueueUnavailableException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

/**
 * The event queue on Redis Streams: each request is one {@code EVALSHA} of {@code ingest.lua}, which checks
 * revocation, batch idempotency, backlog, the monthly quota and the rate limit, appends one stream entry, records rejected
 * events in the dead-letter stream and counts, all atomically on one shard's slot.
 */
public final class RedisEventQueue implements EventQueue {
    private static final LuaScript SCRIPT = new LuaScript("ingest.lua");

    private final RedisConnector redis;
    private final StreamKeys keys;
    private final long defaultRatePerMinute;
    private final long backlogMaxEntries;
    private final int idempotencyTtlSeconds;
    private final long dlqMaxEntries;
    private final int waitReplicas;
    private final long waitTimeoutMs;

    public RedisEventQueue(RedisConnector redis, Settings settings) {
        this(redis, new StreamKeys(settings.redisPrefix(), settings.streamShards()), settings.defaultRateLimitPerMinute(),
                settings.backlogMaxEntries(), settings.idempotencyTtlSeconds(), settings.dlqMaxEntries(),
                settings.redisWaitReplicas(), settings.redisTimeoutMs());
    }

    public RedisEventQueue(RedisConnector redis, StreamKeys keys, long defaultRatePerMinute, long backlogMaxEntries,
                           int idempotencyTtlSeconds, long dlqMaxEntries) {
        this(redis, keys, defaultRatePerMinute, backlogMaxEntries, idempotencyTtlSeconds, dlqMaxEntries, 0, 0);
    }

    /**
     * {@code waitReplicas} > 0: an accepted batch is acknowledged only once that many replicas of its
     * shard's master have it ({@code WAIT}, at most {@code waitTimeoutMs}), else the request answers 503.
     */
    public RedisEventQueue(RedisConnector redis, StreamKeys keys, long defaultRatePerMinute, long backlogMaxEntries,
                           int idempotencyTtlSeconds, long dlqMaxEntries, int waitReplicas, long waitTimeoutMs) {
        this.waitReplicas = waitReplicas;
        this.waitTimeoutMs = waitTimeoutMs;
        this.redis = redis;
        this.keys = keys;
        this.defaultRatePerMinute = defaultRatePerMinute;
        this.backlogMaxEntries = backlogMaxEntries;
        this.idempotencyTtlSeconds = idempotencyTtlSeconds;
        this.dlqMaxEntries = dlqMaxEntries;
    }

    @Override
    public EnqueueOutcome enqueue(EnqueueRequest r) {
        int shard = keys.shardOf(r.accountId());
        YearMonth month = YearMonth.from(Instant.ofEpochMilli(r.validatedAt()).atZone(ZoneOffset.UTC));
        String batchId = r.batchId().orElse("");
        String[] k = {
            keys.stream(shard),
            keys.deadLetters(shard),
            r.batchId().isPresent() ? keys.batch(shard, r.deviceId(), batchId) : keys.noBatch(shard),
            keys.account(shard, r.accountId()),
            keys.device(shard, r.accountId(), r.deviceId()),
            keys.stats(shard),
            keys.batches(shard, r.accountId(), r.deviceId()),
        };
        byte[][] argv = {
            ascii(Long.toString(r.tokenGeneration())),
            ascii(r.batchId().isPresent() ? "1" : "0"),
            ascii(Integer.toString(r.cost())),
            ascii(Long.toString(defaultRatePerMinute)),
            ascii(Long.toString(backlogMaxEntries)),
            ascii(Integer.toString(idempotencyTtlSeconds)),
            ascii(Integer.toString(r.acceptedCount())),
            ascii(Integer.toString(r.rejectedCount())),
            r.answer().getBytes(StandardCharsets.UTF_8),
            r.encodedEvents(),
            ascii(r.accountId().toString()),
            ascii(r.deviceId().toString()),
            ascii(batchId),
            r.deadLetter().getBytes(StandardCharsets.UTF_8),
            ascii(Long.toString(dlqMaxEntries)),
            RUN,
            ascii(Long.toString(r.validatedAt())),
            ascii(month.toString()),
            ascii(Long.toString(untilMonthEnds(r.validatedAt(), month))),
            ascii(month.minusMonths(13).toString()),
            EMPTY_EVENTS,
        };
        List<Object> reply;
        if (waitReplicas > 0) {
            LuaScript.Replicated<List<Object>> done = SCRIPT.runAndWait(redis, ScriptOutputType.MULTI, k, waitReplicas,
                    waitTimeoutMs, argv);
            reply = done.result();
            String status = text(reply, 0);
            if ((status.equals("ok") || status.equals("duplicate")) && done.replicas() < waitReplicas) {
                // Replication is asynchronous: the entry is on the master but could vanish with it. The
                // client is told 503 and retries with the same batch_id; if the entry survives, the
                // idempotency record (written by the same script, replicated with it) answers "duplicate":
                // true, and if only the entry survived without the record, the drainer's per-event dedupe
                // still counts each event once. A duplicate is held to the same rule: its first answer
                // may itself have been this 503.
                throw new QueueUnavailableException("only " + done.replicas() + " of " + waitReplicas
                        + " Redis replicas acknowledged the batch within " + waitTimeoutMs + " ms", null);
            }
        } else {
            reply = run(k, argv);
        }
        return outcome(reply);
    }

    private static EnqueueOutcome outcome(List<Object> reply) {
        String status = text(reply, 0);
        return switch (status) {
            case "ok" -> new EnqueueOutcome.Accepted(text(reply, 1));
            case "duplicate" -> new EnqueueOutcome.Duplicate(text(reply, 1));
            case "revoked" -> new EnqueueOutcome.Revoked();
            case "rate" -> new EnqueueOutcome.RateLimited(Long.parseLong(text(reply, 1)));
            case "backlog" -> new EnqueueOutcome.Backlogged();
            case "quota" -> new EnqueueOutcome.QuotaExceeded(Long.parseLong(text(reply, 1)));
            default -> throw new IllegalStateException("ingest script answered " + status);
        };
    }

    /** Connects, loads the script and runs it read-only, so a SnapStart snapshot holds warm code paths. */
    @Override
    public void prime() {
        UUID zero = new UUID(0, 0);
        String[] k = {keys.stream(0), keys.deadLetters(0), keys.noBatch(0), keys.account(0, zero),
            keys.device(0, zero, zero), keys.stats(0), keys.batches(0, zero, zero)};
        byte[][] argv = new byte[21][];
        java.util.Arrays.fill(argv, ascii("0"));
        argv[15] = ascii("probe");
        run(k, argv);
    }

    private static final byte[] RUN = ascii("run");
    /** The events of the entry that flags a hard quota's first refusal: none. */
    private static final byte[] EMPTY_EVENTS = io.nuscape.core.event.EventCodec.encode(List.of());

    /** Seconds from {@code millis} until the UTC month ends, at least 1: the quota's Retry-After. */
    static long untilMonthEnds(long millis, YearMonth month) {
        long end = month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        return Math.max(1, (end - millis + 999) / 1000);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String text(List<Object> reply, int index) {
        Object v = reply.get(index);
        return v instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(v);
    }

    private List<Object> run(String[] k, byte[][] argv) {
        return SCRIPT.run(redis, ScriptOutputType.MULTI, k, argv);
    }

    public StreamKeys keys() {
        return keys;
    }
}
