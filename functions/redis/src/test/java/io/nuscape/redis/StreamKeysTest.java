package io.nuscape.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.cluster.SlotHash;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The key layout works on Redis Cluster: every key one request's script touches is in one slot. */
class StreamKeysTest {
    @Test
    void allKeysOfOneRequestShareTheShardsSlot() {
        StreamKeys keys = new StreamKeys("nuscape", 16);
        for (int i = 0; i < 200; i++) {
            UUID account = UUID.randomUUID();
            UUID device = UUID.randomUUID();
            int shard = keys.shardOf(account);
            List<String> touched = List.of(keys.stream(shard), keys.deadLetters(shard), keys.batch(shard, device, UUID.randomUUID().toString()),
                    keys.noBatch(shard), keys.account(shard, account), keys.device(shard, account, device), keys.stats(shard));
            Set<Integer> slots = new HashSet<>();
            touched.forEach(k -> slots.add(SlotHash.getSlot(k)));
            assertEquals(1, slots.size(), touched.toString());
        }
    }

    @Test
    void anAccountAlwaysMapsToTheSameShardAndShardsAreUsed() {
        StreamKeys keys = new StreamKeys("nuscape", 8);
        UUID account = UUID.fromString("3f1c2a9e-8d7b-4c6a-9e5f-1a2b3c4d5e6f");
        int shard = keys.shardOf(account);
        for (int i = 0; i < 10; i++) {
            assertEquals(shard, new StreamKeys("other", 8).shardOf(account));
        }
        Set<Integer> used = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            used.add(keys.shardOf(UUID.randomUUID()));
        }
        assertEquals(8, used.size());
        assertEquals(0, new StreamKeys("nuscape", 1).shardOf(account));
        assertTrue(keys.stream(3).endsWith(":events:{3}"));
    }
}
