package io.nuscape.redis;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.models.stream.PendingMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * The Redis side of device erasure: deletes the devices' dead letters and give-ups, their kept batch
 * answers, and their stream entries once they are acknowledged (undelivered or pending ones are left to
 * the drainer, which drops a revoked device's events and acknowledges them; the next erasure run deletes
 * them then).
 */
public final class RedisDeviceSweeper {
    private static final int PAGE = 1000;

    private final RedisConnector redis;
    private final StreamKeys keys;

    public RedisDeviceSweeper(RedisConnector redis, StreamKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    /**
     * What one sweep did, per device: stream entries still waiting for the drainer (undelivered or pending),
     * dead letters and give-ups deleted, batch answers deleted. {@code complete} is false when the time ran
     * out first: then nothing it says about waiting entries can be relied on.
     */
    public record Sweep(Map<UUID, Long> waiting, Map<UUID, Long> recordsDeleted, Map<UUID, Long> answersDeleted, boolean complete) {
        public long waiting(UUID device) {
            return waiting.getOrDefault(device, 0L);
        }
    }

    /**
     * Sweeps the devices (device id to account id) in one pass over each shard's stream, dead-letter and
     * give-up streams, whatever their number, so a run's cost does not grow with the pending erasures;
     * stops between pages when {@code keepGoing} turns false. The stream first: the drainer writes a dead
     * letter before it acknowledges the entry, so once no entry of a device is left in the stream, no dead
     * letter of it can appear after the dead-letter pass.
     */
    public Sweep sweep(Map<UUID, UUID> devices, BooleanSupplier keepGoing) {
        Map<UUID, Long> waiting = new HashMap<>();
        Map<UUID, Long> records = new HashMap<>();
        Map<UUID, Long> answers = new HashMap<>();
        Map<Integer, Set<UUID>> byShard = new TreeMap<>();
        devices.forEach((device, account) -> byShard.computeIfAbsent(keys.shardOf(account), n -> new HashSet<>()).add(device));
        for (var shard : byShard.entrySet()) {
            Map<UUID, List<String>> inStream = idsOf(keys.stream(shard.getKey()), shard.getValue(), keepGoing);
            if (inStream == null) {
                return new Sweep(waiting, records, answers, false);
            }
            inStream.forEach((device, ids) -> waiting.put(device, deleteAcknowledged(keys.stream(shard.getKey()), ids)));
            for (String key : List.of(keys.deadLetters(shard.getKey()), keys.giveUps(shard.getKey()))) {
                Map<UUID, List<String>> mine = idsOf(key, shard.getValue(), keepGoing);
                if (mine == null) {
                    return new Sweep(waiting, records, answers, false);
                }
                mine.forEach((device, ids) -> {
                    redis.commands().xdel(key, ids.toArray(String[]::new));
                    records.merge(device, (long) ids.size(), Long::sum);
                });
            }
            for (UUID device : shard.getValue()) {
                answers.put(device, deleteBatchAnswers(shard.getKey(), devices.get(device), device));
            }
        }
        return new Sweep(waiting, records, answers, true);
    }

    /**
     * Deletes the first answers ingest kept for the device's batches (48 h, for idempotent retries), found
     * through the index ingest keeps beside them: they hold event ids of the device.
     */
    private long deleteBatchAnswers(int shard, UUID account, UUID device) {
        RedisClusterCommands<String, byte[]> c = redis.commands();
        String index = keys.batches(shard, account, device);
        List<byte[]> batchIds = c.zrange(index, 0, -1);
        long deleted = 0;
        for (int i = 0; i < batchIds.size(); i += PAGE) {
            String[] page = batchIds.subList(i, Math.min(batchIds.size(), i + PAGE)).stream()
                    .map(b -> keys.batch(shard, device, new String(b, StandardCharsets.UTF_8))).toArray(String[]::new);
            deleted += c.del(page);
        }
        c.del(index);
        return deleted;
    }

    /**
     * Deletes the entries that are acknowledged; returns how many are still undelivered or pending (the
     * drainer drops a revoked device's events and acknowledges them; the next run deletes them then).
     */
    private long deleteAcknowledged(String stream, List<String> ids) {
        RedisClusterCommands<String, byte[]> c = redis.commands();
        String lastDelivered = lastDelivered(c, stream);
        List<String> acknowledged = new ArrayList<>();
        long waiting = 0;
        for (String id : ids) {
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

    /** The entry ids of each device in one pass over the stream; null when {@code keepGoing} turned false first. */
    private Map<UUID, List<String>> idsOf(String stream, Set<UUID> devices, BooleanSupplier keepGoing) {
        Map<String, UUID> wanted = new HashMap<>();
        devices.forEach(d -> wanted.put(d.toString(), d));
        Map<UUID, List<String>> ids = new HashMap<>();
        String from = "-";
        boolean exclusive = false;
        while (true) {
            if (!keepGoing.getAsBoolean()) {
                return null;
            }
            Range<String> range = exclusive ? Range.from(Range.Boundary.excluding(from), Range.Boundary.unbounded()) : Range.create(from, "+");
            List<StreamMessage<String, byte[]>> page = redis.commands().xrange(stream, range, Limit.from(PAGE));
            for (StreamMessage<String, byte[]> m : page) {
                byte[] dev = m.getBody().get("dev");
                UUID device = dev == null ? null : wanted.get(new String(dev, StandardCharsets.US_ASCII));
                if (device != null) {
                    ids.computeIfAbsent(device, d -> new ArrayList<>()).add(m.getId());
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
