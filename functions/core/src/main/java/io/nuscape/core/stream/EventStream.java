package io.nuscape.core.stream;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The port the drainer reads through: one shard's stream with its consumer group. The Redis Streams
 * adapter lives in {@code nuscape-redis}. Every call may throw {@code QueueUnavailableException}.
 */
public interface EventStream {
    /** Creates the consumer group if it is missing (idempotent). */
    void ensureGroup(int shard);

    /** Entries never delivered to the group, up to {@code count}, waiting up to {@code block} for some. */
    List<StreamEntry> readNew(int shard, String consumer, int count, Duration block);

    /** Entries pending longer than {@code minIdle}, oldest first, with their delivery counts. */
    List<PendingEntry> stalePending(int shard, Duration minIdle, int count);

    /** Takes over stale entries for this consumer (their delivery count goes up by one). */
    List<StreamEntry> claim(int shard, String consumer, Duration minIdle, List<String> ids);

    /**
     * Acknowledges entries whose effects are committed and deletes them (forgetting their failures): the
     * stream then holds exactly what is still owed, which is what ingest's backlog cap counts.
     */
    void ack(int shard, List<String> ids);

    /**
     * Records one more failure of an entry that failed on its own while the database answered; returns how
     * many it has had. Failures of the environment are never recorded: they say nothing of the entry.
     */
    long recordFailure(int shard, String entryId);

    /**
     * Moves a whole entry that cannot be drained (unreadable, or failing on its own again and again) to
     * the shard's give-up stream, which is never trimmed, and acknowledges it, atomically. Nothing of the
     * entry is cut, so it can be put back with {@code scripts/redrive} once the cause is fixed.
     */
    void giveUp(int shard, StreamEntry entry, String reason, long failures);

    /** Records a dead letter without acknowledging anything (invalid events inside an entry that is otherwise drained). */
    void deadLetter(int shard, Map<String, String> record);

    /** Deletes entries that are acknowledged (older than every pending and undelivered one); returns how many. */
    long trimAcknowledged(int shard);

    StreamStats stats(int shard);

    /**
     * Shards of a larger shard count in use before this one whose streams still hold entries: nobody
     * writes them any more, but what they hold was accepted and is owed. Empty once they have been empty
     * for a while (an ingest of the old layout may still be answering during a deployment).
     */
    List<Integer> retiredShardsWithEntries();

    /** Adds to the shard's counters for {@code /metrics-lite}. */
    void count(int shard, Map<String, Long> increments);
}
