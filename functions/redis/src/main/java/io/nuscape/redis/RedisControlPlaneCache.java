package io.nuscape.redis;

import io.nuscape.core.queue.ControlPlaneCache;
import java.nio.charset.StandardCharsets;
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

    /** Only ever raised (raise-min-gen.lua): rotations whose writes arrive out of order cannot lower it. */
    @Override
    public void setMinimumTokenGeneration(UUID accountId, UUID deviceId, long generation) {
        RAISE_MIN_GEN.run(redis, io.lettuce.core.ScriptOutputType.INTEGER,
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
}
