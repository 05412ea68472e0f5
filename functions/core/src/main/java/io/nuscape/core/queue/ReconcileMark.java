package io.nuscape.core.queue;

import java.time.Instant;
import java.util.UUID;

/**
 * How far a shard's copy of the ingest rules is known to agree with Postgres, kept beside the copy (so it
 * is lost with it). Either {@code through} is set: every change stamped before it (less the overlap) is in
 * the copy; or a full rewrite is under way: it began at {@code passStartedAt} and has written every device
 * up to and including {@code resumeAfter}.
 */
public record ReconcileMark(Instant through, UUID resumeAfter, Instant passStartedAt) {
    public static ReconcileMark reconciledThrough(Instant through) {
        return new ReconcileMark(through, null, null);
    }

    public static ReconcileMark passUnderWay(UUID resumeAfter, Instant passStartedAt) {
        return new ReconcileMark(null, resumeAfter, passStartedAt);
    }

    public boolean passUnderWay() {
        return through == null;
    }
}
