package io.nuscape.redis;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.models.stream.PendingMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The Redis side of device erasure: deletes the device's dead letters, and its stream entries once they
 * are acknowledged (undelivered or pending ones are left to the drainer, which drops a revoked device's
 * events and acknowledges them; the next erasure run deletes them then).
 */
public final class RedisDeviceSweeper {
    private static final int PAGE = 1000;

    private final RedisConnector redis;
    private final StreamKeys keys;

    public RedisDeviceSweeper(RedisConnector redis, StreamKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    /** Deletes every dead-letter and give-up entry that carries the device; returns how many. */
    public long sweepDeadLetters(UUID account, UUID device) {
        int shard = keys.shardOf(account);
        long swept = 0;
        for (String key : List.of(keys.deadLetters(shard), keys.giveUps(shard))) {
            List<String> mine = idsOf(key, device);
            if (!mine.isEmpty()) {
                redis.commands().xdel(key, mine.toArray(String[]::new));
            }
            swept += mine.size();
        }
        return swept;
    }

    /**
     * Deletes the first answers ingest kept for the device's batches (48 h, for idempotent retries): they
     * hold event ids of the device. Returns how many.
     */
    public long sweepBatchAnswers(UUID account, UUID device) {
        String pattern = keys.batch(keys.shardOf(account), device, "*");
        RedisClusterCommands<String, byte[]> c = redis.commands();
        long deleted = 0;
        io.lettuce.core.KeyScanCursor<String> cursor = c.scan(io.lettuce.core.ScanArgs.Builder.matches(pattern).limit(PAGE));
        while (true) {
            if (!cursor.getKeys().isEmpty()) {
                deleted += c.del(cursor.getKeys().toArray(String[]::new));
            }
            if (cursor.isFinished()) {
                return deleted;
            }
            cursor = c.scan(cursor, io.lettuce.core.ScanArgs.Builder.matches(pattern).limit(PAGE));
        }
    }

    /**
     * Deletes the device's acknowledged stream entries; returns how many entries of it are still
     * undelivered or pending (the erasure is not done while any are).
     */
    public long sweepStream(UUID account, UUID device) {
        String stream = keys.stream(keys.shardOf(account));
        RedisClusterCommands<String, byte[]> c = redis.commands();
        List<String> mine = idsOf(stream, device);
        if (mine.isEmpty()) {
            return 0;
        }
        String lastDelivered = lastDelivered(c, stream);
        List<String> acknowledged = new ArrayList<>();
        long waiting = 0;
        for (String id : mine) {
            boolean delivered = lastDelivered != null && compare(id, lastDelivered) <= 0;
            List<PendingMessage> pending = c.xpending(stream, StreamKeys.CONSUMER_GROUP, Range.create(id, id), Limit.from(1));
            if (delivered && pending.isEmpty()) {
                acknowledged.add(id);
            } else {
                waiting++;
            }
        }
        if (!acknowledged.isEmpty()) {
            c.xdel(stream, acknowledged.toArray(String[]::new));
        }
        return waiting;
    }

    private List<String> idsOf(String stream, UUID device) {
        byte[] wanted = device.toString().getBytes(StandardCharsets.US_ASCII);
        List<String> ids = new ArrayList<>();
        String from = "-";
        boolean exclusive = false;
        while (true) {
            Range<String> range = exclusive ? Range.from(Range.Boundary.excluding(from), Range.Boundary.unbounded()) : Range.create(from, "+");
            List<StreamMessage<String, byte[]>> page = redis.commands().xrange(stream, range, Limit.from(PAGE));
            for (StreamMessage<String, byte[]> m : page) {
                byte[] dev = m.getBody().get("dev");
                if (dev != null && java.util.Arrays.equals(dev, wanted)) {
                    ids.add(m.getId());
                }
            }
            if (page.size() < PAGE) {
                return ids;
            }
            from = page.get(page.size() - 1).getId();
            exclusive = true;
        }
    }

    private static String lastDelivered(RedisClusterCommands<String, byte[]> c, String stream) {
        for (Object g : c.xinfoGroups(stream)) {
            List<?> f = (List<?>) g;
            String name = null;
            String last = null;
            for (int i = 0; i + 1 < f.size(); i += 2) {
                String k = text(f.get(i));
                if (k.equals("name")) {
                    name = text(f.get(i + 1));
                } else if (k.equals("last-delivered-id")) {
                    last = text(f.get(i + 1));
                }
            }
            if (StreamKeys.CONSUMER_GROUP.equals(name)) {
                return last;
            }
        }
        return null;
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }

    static int compare(String a, String b) {
        int da = a.indexOf('-');
        int db = b.indexOf('-');
        int c = Long.compare(Long.parseLong(a.substring(0, da)), Long.parseLong(b.substring(0, db)));
        return c != 0 ? c : Long.compare(Long.parseLong(a.substring(da + 1)), Long.parseLong(b.substring(db + 1)));
    }
}
