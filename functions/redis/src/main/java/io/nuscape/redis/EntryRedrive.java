package io.nuscape.redis;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.nuscape.core.queue.QueueUnavailableException;
import io.lettuce.core.RedisException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Puts entries the drainer could not drain back into their shard's stream once the cause is fixed
 * ({@code scripts/redrive}): every entry of the give-up stream, and with dead letters included, every
 * dead-letter record that carries a whole stream entry (written by the drainer: events that failed
 * re-validation, or entries given up before the give-up stream existed). Rejections by ingest carry no
 * entry and stay: their clients were told at once. Redriving is idempotent for the counts: the drainer's
 * dedupe keys count every event once, however often its entry comes back.
 */
public final class EntryRedrive {
    private static final LuaScript REDRIVE = new LuaScript("redrive.lua");
    private static final int PAGE = 500;
    private static final String ENTRY_PREFIX = "entry_";

    private final RedisConnector redis;
    private final StreamKeys keys;

    public EntryRedrive(RedisConnector redis, StreamKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    /** What one shard's redrive did (or, in a dry run, would do). */
    public record Result(int shard, long fromGiveUps, long fromDeadLetters, long left) {
    }

    public Result redrive(int shard, boolean includeDeadLetters, boolean dryRun) {
        long fromGiveUps = 0;
        for (StreamMessage<String, byte[]> m : all(keys.giveUps(shard))) {
            List<byte[]> fields = new ArrayList<>();
            m.getBody().forEach((field, value) -> {
                if (!field.startsWith("gave_up_")) {
                    fields.add(field.getBytes(StandardCharsets.UTF_8));
                    fields.add(value);
                }
            });
            put(shard, keys.giveUps(shard), m.getId(), fields, dryRun);
            fromGiveUps++;
        }
        long fromDeadLetters = 0;
        long left = 0;
        if (includeDeadLetters) {
            for (StreamMessage<String, byte[]> m : all(keys.deadLetters(shard))) {
                Map<String, byte[]> body = m.getBody();
                if (!body.containsKey(ENTRY_PREFIX + "v") || !body.containsKey(ENTRY_PREFIX + "events")) {
                    left++;
                    continue;
                }
                List<byte[]> fields = new ArrayList<>();
                body.forEach((field, value) -> {
                    if (field.startsWith(ENTRY_PREFIX)) {
                        fields.add(field.substring(ENTRY_PREFIX.length()).getBytes(StandardCharsets.UTF_8));
                        fields.add(value);
                    }
                });
                put(shard, keys.deadLetters(shard), m.getId(), fields, dryRun);
                fromDeadLetters++;
            }
        }
        return new Result(shard, fromGiveUps, fromDeadLetters, left);
    }

    private void put(int shard, String keptIn, String id, List<byte[]> fields, boolean dryRun) {
        if (dryRun) {
            return;
        }
        List<byte[]> argv = new ArrayList<>(fields.size() + 1);
        argv.add(id.getBytes(StandardCharsets.UTF_8));
        argv.addAll(fields);
        REDRIVE.run(redis, ScriptOutputType.VALUE, new String[] {keys.stream(shard), keptIn}, argv.toArray(byte[][]::new));
    }

    private List<StreamMessage<String, byte[]>> all(String key) {
        List<StreamMessage<String, byte[]>> out = new ArrayList<>();
        Range<String> range = Range.create("-", "+");
        try {
            while (true) {
                List<StreamMessage<String, byte[]>> page = redis.commands().xrange(key, range, Limit.from(PAGE));
                out.addAll(page);
                if (page.size() < PAGE) {
                    return out;
                }
                range = Range.from(Range.Boundary.excluding(page.get(page.size() - 1).getId()), Range.Boundary.unbounded());
            }
        } catch (RedisException e) {
            throw new QueueUnavailableException("Redis did not answer: " + e.getMessage(), e);
        }
    }
}
