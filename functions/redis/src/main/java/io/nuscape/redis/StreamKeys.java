package io.nuscape.redis;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.zip.CRC32;

/**
 * The Redis key layout. An account always maps to the same shard {@code n}; every key of that shard carries
 * the hash tag {@code {n}}, so that one request's script touches a single cluster slot:
 * <pre>
 *   {prefix}:events:{n}              the stream (consumer group proc-1)
 *   {prefix}:dlq:{n}                 the dead-letter stream
 *   {prefix}:{n}:batch:{dev}:{batch} first answer to a batch, for 48 h
 *   {prefix}:{n}:batches:{acct}:{dev} the device's batch ids with answers, scored by expiry (erasure deletes them)
 *   {prefix}:{n}:account:{acct}      rate limit (written by the control plane) and its token bucket
 *   {prefix}:{n}:device:{acct}:{dev} revocation: erased flag and lowest valid token generation
 *   {prefix}:{n}:stats               counters for /metrics-lite
 *   {prefix}:{n}:reconciled          how far the revocations and rate limits above agree with Postgres
 *   {prefix}:layout                  the largest shard count whose streams may still hold entries
 * </pre>
 */
public record StreamKeys(String prefix, int shards) {
    public static final String CONSUMER_GROUP = "proc-1";

    public StreamKeys {
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be at least 1");
        }
    }

    /** The shard of an account: CRC-32 of its canonical text, so every language and version agrees. */
    public int shardOf(UUID account) {
        if (shards == 1) {
            return 0;
        }
        CRC32 crc = new CRC32();
        crc.update(account.toString().getBytes(StandardCharsets.US_ASCII));
        return (int) (crc.getValue() % shards);
    }

    public String stream(int shard) {
        return prefix + ":events:{" + shard + "}";
    }

    public String deadLetters(int shard) {
        return prefix + ":dlq:{" + shard + "}";
    }

    /** Whole entries the drainer gave up on; never trimmed, put back by scripts/redrive. */
    public String giveUps(int shard) {
        return prefix + ":giveup:{" + shard + "}";
    }

    /** Failures per pending entry (entry id -> count), counted only while the database is healthy. */
    public String failures(int shard) {
        return tagged(shard) + ":failures";
    }

    public String batch(int shard, UUID device, String batchId) {
        return tagged(shard) + ":batch:" + device + ":" + batchId;
    }

    /** The ids of the device's kept batch answers, scored by when they expire: erasure finds them without a scan. */
    public String batches(int shard, UUID account, UUID device) {
        return tagged(shard) + ":batches:" + account + ":" + device;
    }

    /** A key of the shard's slot that is never written: stands in for the batch key when there is none. */
    public String noBatch(int shard) {
        return tagged(shard) + ":batch:-";
    }

    public String account(int shard, UUID account) {
        return tagged(shard) + ":account:" + account;
    }

    /** Keyed by account too: one account's revocations never touch another's, whatever ids they claim. */
    public String device(int shard, UUID account, UUID device) {
        return tagged(shard) + ":device:" + account + ":" + device;
    }

    /** Not in any shard's slot: it speaks of all of them. */
    public String layout() {
        return prefix + ":layout";
    }

    /** In the shard's slot: lost together with the rules it vouches for. */
    public String reconciled(int shard) {
        return tagged(shard) + ":reconciled";
    }

    public String stats(int shard) {
        return tagged(shard) + ":stats";
    }

    private String tagged(int shard) {
        return prefix + ":{" + shard + "}";
    }
}
