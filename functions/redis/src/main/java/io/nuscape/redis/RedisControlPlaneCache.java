package io.nuscape.redis;

import io.lettuce.core.ScriptOutputType;
import io.nuscape.core.control.AccountRateLimit;
import io.nuscape.core.control.DeviceRevocation;
import io.nuscape.core.queue.ControlPlaneCache;
import io.nuscape.core.queue.ReconcileMark;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** {@link ControlPlaneCache} in the shard's Redis keys that {@code ingest.lua} reads. */
public final class RedisControlPlaneCache implements ControlPlaneCache {
    private final RedisConnector redis;
    private final StreamKeys keys;

    public RedisControlPlaneCache(RedisConnector redis, StreamKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    private static final LuaScript RAISE_MIN_GEN = new LuaScript("raise-min-gen.lua");
    private static final LuaScript RESTORE_REVOCATIONS = new LuaScript("restore-revocations.lua");

    /** Only ever raised (raise-min-gen.lua): rotations whose writes arrive out of order cannot lower it. */
    @Override
    public void setMinimumTokenGeneration(UUID accountId, UUID deviceId, long generation) {
        RAISE_MIN_GEN.run(redis, ScriptOutputType.INTEGER,
                new String[] {keys.device(keys.shardOf(accountId), accountId, deviceId)},
                Long.toString(generation).getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public void markErased(UUID accountId, UUID deviceId) {
        redis.commands().hset(keys.device(keys.shardOf(accountId), accountId, deviceId), "erased", new byte[] {'1'});
    }

    /** Also starts the account's bucket afresh, so a new limit takes effect on the next request. */
    @Override
    public void setRateLimit(UUID accountId, long eventsPerMinute) {
        String key = keys.account(keys.shardOf(accountId), accountId);
        if (eventsPerMinute < 0) {
            redis.commands().hdel(key, "rate_limit_events_per_minute", "tokens", "at");
        } else {
            redis.commands().hdel(key, "tokens", "at");
            redis.commands().hset(key, "rate_limit_events_per_minute", Long.toString(eventsPerMinute).getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** One script call for all devices of the shard: the keys share its hash tag, so one slot and one round trip. */
    @Override
    public void restore(int shard, List<DeviceRevocation> devices, List<AccountRateLimit> accounts) {
        List<String> deviceKeys = new ArrayList<>();
        List<byte[]> args = new ArrayList<>();
        for (DeviceRevocation d : devices) {
            if (keys.shardOf(d.accountId()) == shard) {
                deviceKeys.add(keys.device(shard, d.accountId(), d.deviceId()));
                args.add(ascii(Long.toString(d.minimumTokenGeneration())));
                args.add(ascii(d.revoked() ? "1" : "0"));
            }
        }
        if (!deviceKeys.isEmpty()) {
            RESTORE_REVOCATIONS.run(redis, ScriptOutputType.INTEGER, deviceKeys.toArray(String[]::new), args.toArray(byte[][]::new));
        }
        for (AccountRateLimit a : accounts) {
            if (keys.shardOf(a.accountId()) != shard) {
                continue;
            }
            String key = keys.account(shard, a.accountId());
            if (a.eventsPerMinute() == null) {
                redis.commands().hdel(key, "rate_limit_events_per_minute");
            } else {
                redis.commands().hset(key, "rate_limit_events_per_minute", ascii(Long.toString(a.eventsPerMinute())));
            }
        }
    }

    @Override
    public Optional<ReconcileMark> reconcileMark(int shard) {
        Map<String, byte[]> m = redis.commands().hgetall(keys.reconciled(shard));
        if (m.isEmpty() || !Integer.toString(keys.shards()).equals(text(m.get("shards")))) {
            return Optional.empty();
        }
        if (m.containsKey("through")) {
            return Optional.of(ReconcileMark.reconciledThrough(Instant.ofEpochMilli(Long.parseLong(text(m.get("through"))))));
        }
        return Optional.of(ReconcileMark.passUnderWay(UUID.fromString(text(m.get("resume_after"))),
                Instant.ofEpochMilli(Long.parseLong(text(m.get("pass_started_at"))))));
    }

    /** Replaces the whole hash in one script: a reader sees one form or the other, never a mix. */
    @Override
    public void saveReconcileMark(int shard, ReconcileMark mark) {
        String key = keys.reconciled(shard);
        Map<String, byte[]> fields = new java.util.LinkedHashMap<>();
        fields.put("shards", ascii(Integer.toString(keys.shards())));
        if (mark.passUnderWay()) {
            fields.put("resume_after", ascii(mark.resumeAfter().toString()));
            fields.put("pass_started_at", ascii(Long.toString(mark.passStartedAt().toEpochMilli())));
        } else {
            fields.put("through", ascii(Long.toString(mark.through().toEpochMilli())));
        }
        SAVE_MARK.run(redis, ScriptOutputType.INTEGER, new String[] {key},
                fields.entrySet().stream().flatMap(e -> java.util.stream.Stream.of(ascii(e.getKey()), e.getValue())).toArray(byte[][]::new));
    }

    private static final LuaScript SAVE_MARK = new LuaScript("replace-hash.lua");

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.US_ASCII);
    }
}
