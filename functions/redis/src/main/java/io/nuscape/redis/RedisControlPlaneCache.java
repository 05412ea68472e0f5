package io.nuscape.redis;

import io.lettuce.core.ScriptOutputType;
import io.nuscape.core.control.AccountIngestLimits;
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
        redis.call(c -> c.hset(keys.device(keys.shardOf(accountId), accountId, deviceId), "erased", new byte[] {'1'}));
    }

    /** Also starts the account's bucket afresh, so a new limit takes effect on the next request. */
    @Override
    public void setIngestLimits(AccountIngestLimits limits) {
        String key = keys.account(keys.shardOf(limits.accountId()), limits.accountId());
        redis.call(c -> c.hdel(key, "tokens", "at"));
        write(key, limits);
    }

    /**
     * The fields ingest.lua reads: {@code rate_limit_events_per_minute}, {@code quota} and {@code quota_mode}
     * (absent: the default, no quota). The bucket ({@code tokens}, {@code at}) and the month's counts
     * ({@code m:YYYY-MM}, {@code qa:YYYY-MM}) are ingest's own and stay.
     */
    private void write(String key, AccountIngestLimits a) {
        Map<String, byte[]> set = new java.util.LinkedHashMap<>();
        List<String> unset = new ArrayList<>();
        field(set, unset, "rate_limit_events_per_minute", a.eventsPerMinute());
        field(set, unset, "quota", a.monthlyEventQuota());
        set.put("quota_mode", ascii(a.quotaMode().text()));
        redis.call(c -> {
            if (!unset.isEmpty()) {
                c.hdel(key, unset.toArray(String[]::new));
            }
            return c.hset(key, set);
        });
    }

    private static void field(Map<String, byte[]> set, List<String> unset, String name, Long value) {
        if (value == null) {
            unset.add(name);
        } else {
            set.put(name, ascii(Long.toString(value)));
        }
    }

    /** One script call for all devices of the shard: the keys share its hash tag, so one slot and one round trip. */
    @Override
    public void restore(int shard, List<DeviceRevocation> devices, List<AccountIngestLimits> accounts) {
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
        for (AccountIngestLimits a : accounts) {
            if (keys.shardOf(a.accountId()) != shard) {
                continue;
            }
            write(keys.account(shard, a.accountId()), a);
        }
    }

    @Override
    public long eventsAccepted(UUID accountId, java.time.YearMonth month) {
        byte[] v = redis.call(c -> c.hget(keys.account(keys.shardOf(accountId), accountId), "m:" + month));
        return v == null ? 0 : Long.parseLong(text(v));
    }

    /** Stored as one string, {@code shards=N;through=MS} or {@code shards=N;resume_after=ID;pass_started_at=MS}. */
    @Override
    public Optional<ReconcileMark> reconcileMark(int shard) {
        byte[] stored = redis.call(c -> c.get(keys.reconciled(shard)));
        String text = stored == null ? "" : text(stored);
        if (!text.startsWith(layout())) {
            return Optional.empty();
        }
        Map<String, String> f = new java.util.HashMap<>();
        for (String part : text.split(";")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                f.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        if (f.containsKey("through")) {
            return Optional.of(ReconcileMark.reconciledThrough(Instant.ofEpochMilli(Long.parseLong(f.get("through")))));
        }
        return Optional.of(ReconcileMark.passUnderWay(UUID.fromString(f.get("resume_after")),
                Instant.ofEpochMilli(Long.parseLong(f.get("pass_started_at")))));
    }

    /** Compare-and-set in one script (replace-mark.lua). */
    @Override
    public boolean replaceReconcileMark(int shard, Optional<ReconcileMark> expected, ReconcileMark next) {
        Long replaced = REPLACE_MARK.run(redis, ScriptOutputType.INTEGER, new String[] {keys.reconciled(shard)},
                ascii(expected.map(this::serialize).orElse("")), ascii(serialize(next)), ascii(layout()));
        return replaced != null && replaced == 1L;
    }

    private String layout() {
        return "shards=" + keys.shards() + ";";
    }

    private String serialize(ReconcileMark m) {
        return layout() + (m.passUnderWay()
                ? "resume_after=" + m.resumeAfter() + ";pass_started_at=" + m.passStartedAt().toEpochMilli()
                : "through=" + m.through().toEpochMilli());
    }

    private static final LuaScript REPLACE_MARK = new LuaScript("replace-mark.lua");

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.US_ASCII);
    }
}
