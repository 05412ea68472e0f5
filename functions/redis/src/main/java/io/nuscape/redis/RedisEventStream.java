package io.nuscape.redis;

import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XPendingArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XTrimArgs;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.models.stream.PendingMessage;
import io.lettuce.core.models.stream.PendingMessages;
import io.nuscape.core.Settings;
import io.nuscape.core.queue.QueueUnavailableException;
import io.nuscape.core.stream.EventStream;
import io.nuscape.core.stream.PendingEntry;
import io.nuscape.core.stream.StreamEntry;
import io.nuscape.core.stream.StreamStats;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** {@link EventStream} on Redis Streams with the consumer group {@code proc-1}. */
public final class RedisEventStream implements EventStream {
    private static final LuaScript DEAD_LETTER = new LuaScript("dead-letter.lua");
    private static final LuaScript GIVE_UP = new LuaScript("give-up.lua");
    private static final LuaScript ACK = new LuaScript("ack.lua");
    private static final String GROUP = StreamKeys.CONSUMER_GROUP;

    private final RedisConnector redis;
    private final StreamKeys keys;
    private final long dlqMaxEntries;

    public RedisEventStream(RedisConnector redis, Settings settings) {
        this(redis, new StreamKeys(settings.redisPrefix(), settings.streamShards()), settings.dlqMaxEntries());
    }

    public RedisEventStream(RedisConnector redis, StreamKeys keys, long dlqMaxEntries) {
        this.redis = redis;
        this.keys = keys;
        this.dlqMaxEntries = dlqMaxEntries;
    }

    public StreamKeys keys() {
        return keys;
    }

    private <T> T call(Function<RedisClusterCommands<String, byte[]>, T> f) {
        return redis.call(f);
    }

    @Override
    public void ensureGroup(int shard) {
        try {
            call(c -> c.xgroupCreate(XReadArgs.StreamOffset.from(keys.stream(shard), "0"), GROUP, XGroupCreateArgs.Builder.mkstream()));
        } catch (QueueUnavailableException e) {
            if (!(e.getCause() instanceof RedisBusyException) && !String.valueOf(e.getMessage()).contains("BUSYGROUP")) {
                throw e;
            }
        }
    }

    @Override
    public List<StreamEntry> readNew(int shard, String consumer, int count, Duration block) {
        List<StreamMessage<String, byte[]>> messages = call(c -> c.xreadgroup(Consumer.from(GROUP, consumer),
                XReadArgs.Builder.count(count).block(block), XReadArgs.StreamOffset.lastConsumed(keys.stream(shard))));
        return entries(messages);
    }

    @Override
    public List<PendingEntry> stalePending(int shard, Duration minIdle, int count) {
        List<PendingMessage> pending = call(c -> c.xpending(keys.stream(shard),
                XPendingArgs.Builder.xpending(GROUP, Range.create("-", "+"), Limit.from(count)).idle(minIdle)));
        List<PendingEntry> out = new ArrayList<>(pending.size());
        for (PendingMessage p : pending) {
            out.add(new PendingEntry(p.getId(), p.getMsSinceLastDelivery(), p.getRedeliveryCount()));
        }
        return out;
    }

    @Override
    public List<StreamEntry> claim(int shard, String consumer, Duration minIdle, List<String> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return entries(call(c -> c.xclaim(keys.stream(shard), Consumer.from(GROUP, consumer),
                XClaimArgs.Builder.minIdleTime(minIdle), ids.toArray(String[]::new))));
    }

    /** Acknowledges and deletes the entries (ack.lua): what stays in the stream is exactly what is owed. */
    @Override
    public void ack(int shard, List<String> ids) {
        if (!ids.isEmpty()) {
            byte[][] argv = new byte[ids.size() + 1][];
            argv[0] = GROUP.getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < ids.size(); i++) {
                argv[i + 1] = ids.get(i).getBytes(StandardCharsets.UTF_8);
            }
            ACK.run(redis, ScriptOutputType.INTEGER, new String[] {keys.stream(shard), keys.failures(shard)}, argv);
        }
    }

    @Override
    public long recordFailure(int shard, String entryId) {
        return call(c -> c.hincrby(keys.failures(shard), entryId, 1));
    }

    @Override
    public void giveUp(int shard, StreamEntry entry, String reason, long failures) {
        List<byte[]> argv = new ArrayList<>();
        argv.add(GROUP.getBytes(StandardCharsets.UTF_8));
        argv.add(entry.id().getBytes(StandardCharsets.UTF_8));
        entry.fields().forEach((field, value) -> {
            argv.add(field.getBytes(StandardCharsets.UTF_8));
            argv.add(value);
        });
        Map<String, String> meta = Map.of(GIVE_UP_ENTRY, entry.id(), GIVE_UP_REASON, reason,
                GIVE_UP_AT, Long.toString(System.currentTimeMillis()), GIVE_UP_FAILURES, Long.toString(failures));
        meta.forEach((field, value) -> {
            argv.add(field.getBytes(StandardCharsets.UTF_8));
            argv.add(value.getBytes(StandardCharsets.UTF_8));
        });
        GIVE_UP.run(redis, ScriptOutputType.INTEGER,
                new String[] {keys.giveUps(shard), keys.stream(shard), keys.failures(shard), keys.stats(shard)},
                argv.toArray(byte[][]::new));
    }

    /** Fields a give-up record adds to the entry's own: which entry it was, why, when, after how many failures. */
    public static final String GIVE_UP_ENTRY = "gave_up_entry";
    public static final String GIVE_UP_REASON = "gave_up_reason";
    public static final String GIVE_UP_AT = "gave_up_at";
    public static final String GIVE_UP_FAILURES = "gave_up_failures";

    @Override
    public void deadLetter(int shard, Map<String, String> record) {
        byte[][] argv = new byte[1 + record.size() * 2][];
        argv[0] = Long.toString(dlqMaxEntries).getBytes(StandardCharsets.UTF_8);
        int i = 1;
        for (Map.Entry<String, String> e : record.entrySet()) {
            argv[i++] = e.getKey().getBytes(StandardCharsets.UTF_8);
            argv[i++] = String.valueOf(e.getValue()).getBytes(StandardCharsets.UTF_8);
        }
        DEAD_LETTER.run(redis, ScriptOutputType.INTEGER, new String[] {keys.deadLetters(shard), keys.stats(shard)}, argv);
    }

    /**
     * Trims below the oldest entry still owed to the group: the oldest pending one, else the one after the
     * group's last delivered id. Everything below it was delivered and acknowledged; nothing undelivered
     * or unacknowledged is ever trimmed.
     */
    @Override
    public long trimAcknowledged(int shard) {
        String stream = keys.stream(shard);
        GroupInfo g = group(shard);
        if (g == null || g.lastDeliveredId.equals("0-0")) {
            return 0;
        }
        PendingMessages pending = call(c -> c.xpending(stream, GROUP));
        String minId = pending.getCount() > 0 ? pending.getMessageIds().getLower().getValue() : successor(g.lastDeliveredId);
        return call(c -> c.xtrim(stream, XTrimArgs.Builder.minId(minId)));
    }

    @Override
    public StreamStats stats(int shard) {
        String stream = keys.stream(shard);
        long length = call(c -> c.xlen(stream));
        GroupInfo g = group(shard);
        if (g == null) {
            return new StreamStats(length, 0, length == 0 ? 0 : lagOfFirstAfter(stream, "0-0"), length);
        }
        long undelivered = g.lag >= 0 ? g.lag : Math.max(0, length - g.pending);
        long lag = undelivered == 0 ? 0 : lagOfFirstAfter(stream, g.lastDeliveredId);
        return new StreamStats(undelivered, g.pending, lag, length);
    }

    private long lagOfFirstAfter(String stream, String id) {
        List<StreamMessage<String, byte[]>> next = call(c -> c.xrange(stream,
                Range.from(Range.Boundary.excluding(id), Range.Boundary.unbounded()), Limit.from(1)));
        if (next.isEmpty()) {
            return 0;
        }
        long entryMillis = Long.parseLong(next.get(0).getId().substring(0, next.get(0).getId().indexOf('-')));
        return Math.max(0, System.currentTimeMillis() - entryMillis);
    }

    /**
     * A retired shard is forgotten only once its stream stayed empty this long: during a deployment an
     * ingest of the old shard count may still write to it for a while.
     */
    static final long RETIRED_QUIET_MS = 3_600_000;

    @Override
    public List<Integer> retiredShardsWithEntries() {
        String layout = keys.layout();
        int current = keys.shards();
        return call(c -> {
            Map<String, byte[]> h = c.hgetall(layout);
            // No record (first run of this version, or Redis lost it): the streams that exist say which shards were used.
            int recorded = h.containsKey("shards") ? Integer.parseInt(ascii(h.get("shards"))) : highestShardWithStream(c) + 1;
            if (recorded <= current) {
                if (recorded != current || !h.containsKey("shards") || h.containsKey("emptied_at")) {
                    c.del(layout);
                    c.hset(layout, "shards", bytes(current));
                }
                return List.of();
            }
            List<Integer> withEntries = new ArrayList<>();
            for (int k = current; k < recorded; k++) {
                // Give-ups count too: scripts/redrive puts them back into this shard's stream, which must
                // still be drained then.
                if (c.xlen(keys.stream(k)) > 0 || c.xlen(keys.giveUps(k)) > 0) {
                    withEntries.add(k);
                }
            }
            long now = System.currentTimeMillis();
            if (!withEntries.isEmpty()) {
                c.hset(layout, "shards", bytes(recorded));
                c.hdel(layout, "emptied_at");
            } else if (!h.containsKey("emptied_at")) {
                c.hset(layout, Map.of("shards", bytes(recorded), "emptied_at", bytes(now)));
            } else if (now - Long.parseLong(ascii(h.get("emptied_at"))) > RETIRED_QUIET_MS) {
                c.del(layout);
                c.hset(layout, "shards", bytes(current));
            }
            return withEntries;
        });
    }

    /** The shard count whose streams may still hold entries: the current one, or a larger retired one. */
    public int shardsToVisit() {
        byte[] recorded = call(c -> c.hget(keys.layout(), "shards"));
        return Math.max(keys.shards(), recorded == null ? 0 : Integer.parseInt(ascii(recorded)));
    }

    private int highestShardWithStream(RedisClusterCommands<String, byte[]> c) {
        String prefix = keys.stream(0).substring(0, keys.stream(0).length() - "0}".length());
        int highest = -1;
        io.lettuce.core.ScanArgs match = io.lettuce.core.ScanArgs.Builder.matches(prefix + "*}").limit(1000);
        io.lettuce.core.KeyScanCursor<String> cursor = c.scan(match);
        while (true) {
            for (String key : cursor.getKeys()) {
                String n = key.substring(prefix.length(), key.length() - 1);
                if (n.matches("[0-9]{1,6}")) {
                    highest = Math.max(highest, Integer.parseInt(n));
                }
            }
            if (cursor.isFinished()) {
                return highest;
            }
            cursor = c.scan(cursor, match);
        }
    }

    private static byte[] bytes(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }

    private static String ascii(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }

    @Override
    public void count(int shard, Map<String, Long> increments) {
        String stats = keys.stats(shard);
        call(c -> {
            increments.forEach((field, by) -> {
                if (by != 0) {
                    c.hincrby(stats, field, by);
                }
            });
            return null;
        });
    }

    private record GroupInfo(String lastDeliveredId, long pending, long lag) {
    }

    /** XINFO GROUPS for proc-1; {@code lag} is -1 before Redis 7, which does not report it. */
    private GroupInfo group(int shard) {
        List<Object> groups;
        try {
            groups = call(c -> c.xinfoGroups(keys.stream(shard)));
        } catch (QueueUnavailableException e) {
            if (String.valueOf(e.getMessage()).contains("no such key")) {
                return null;
            }
            throw e;
        }
        for (Object o : groups) {
            List<?> fields = (List<?>) o;
            String name = null;
            String last = "0-0";
            long pending = 0;
            long lag = -1;
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                String k = text(fields.get(i));
                Object v = fields.get(i + 1);
                switch (k) {
                    case "name" -> name = text(v);
                    case "last-delivered-id" -> last = text(v);
                    case "pending" -> pending = ((Number) v).longValue();
                    case "lag" -> lag = v instanceof Number n ? n.longValue() : -1;
                    default -> {
                    }
                }
            }
            if (GROUP.equals(name)) {
                return new GroupInfo(last, pending, lag);
            }
        }
        return null;
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }

    static String successor(String id) {
        int dash = id.indexOf('-');
        return id.substring(0, dash) + "-" + (Long.parseLong(id.substring(dash + 1)) + 1);
    }

    private static List<StreamEntry> entries(List<StreamMessage<String, byte[]>> messages) {
        List<StreamEntry> out = new ArrayList<>(messages.size());
        for (StreamMessage<String, byte[]> m : messages) {
            out.add(new StreamEntry(m.getId(), m.getBody()));
        }
        return out;
    }
}
