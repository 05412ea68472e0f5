package io.nuscape.local;

import io.nuscape.core.Settings;
import io.nuscape.redis.EntryRedrive;
import io.nuscape.redis.RedisConnector;
import io.nuscape.redis.StreamKeys;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code scripts/redrive}: puts entries the drainer gave up on (and, with {@code --dead-letters}, dead
 * letters that carry a whole entry) back into their shard's stream, once their cause is fixed. Counts stay
 * exact: the drainer's dedupe keys count each event once however often its entry returns. Redis comes
 * from the environment ({@code NUSCAPE_REDIS_URL}, {@code NUSCAPE_REDIS_CLUSTER}, {@code NUSCAPE_REDIS_PREFIX},
 * {@code NUSCAPE_STREAM_SHARDS}), as for the functions.
 */
public final class Redrive {
    private Redrive() {
    }

    public static void main(String[] args) {
        boolean deadLetters = false;
        boolean dryRun = false;
        Integer only = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dead-letters" -> deadLetters = true;
                case "--dry-run" -> dryRun = true;
                case "--shard" -> {
                    if (i + 1 >= args.length) {
                        usage("--shard needs a number");
                    }
                    only = Integer.parseInt(args[++i]);
                }
                default -> usage("unknown argument " + args[i]);
            }
        }
        Map<String, String> env = new HashMap<>(System.getenv());
        Settings settings = Settings.from(env);
        StreamKeys keys = new StreamKeys(settings.redisPrefix(), settings.streamShards());
        try (RedisConnector redis = new RedisConnector(settings)) {
            // Shards a lowered NUSCAPE_STREAM_SHARDS retired are visited too: shard 0's drainer drains them
            // while they hold entries or give-ups.
            int visit = new io.nuscape.redis.RedisEventStream(redis, settings).shardsToVisit();
            List<Integer> shards = new ArrayList<>();
            for (int s = 0; s < visit; s++) {
                if (only == null || only == s) {
                    shards.add(s);
                }
            }
            if (shards.isEmpty()) {
                usage("shard " + only + " is outside 0.." + (visit - 1));
            }
            EntryRedrive redrive = new EntryRedrive(redis, keys);
            for (int shard : shards) {
                EntryRedrive.Result r = redrive.redrive(shard, deadLetters, dryRun);
                System.out.printf("redrive: shard=%d %s from_give_ups=%d from_dead_letters=%d dead_letters_left=%d%n",
                        r.shard(), dryRun ? "would_put_back" : "put_back", r.fromGiveUps(), r.fromDeadLetters(), r.left());
            }
        }
    }

    private static void usage(String problem) {
        System.err.println("redrive: " + problem);
        System.err.println("usage: scripts/redrive [--shard N] [--dead-letters] [--dry-run]");
        System.exit(2);
    }
}
