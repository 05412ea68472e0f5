package io.nuscape.core.queue;

import io.nuscape.core.control.AccountIngestLimits;
import io.nuscape.core.control.DeviceRevocation;
import io.nuscape.core.control.IngestRuleSource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * Keeps a shard's Redis copy of the ingest rules (revocations, token generations, rate limits) in line
 * with Postgres, which decides. The control plane writes the copy right after its commit, but that write
 * can fail, a failover can lose it, Redis can lose everything, and a new shard count moves every account
 * to keys nobody wrote. Each run rewrites what changed since the shard's mark; with no mark (lost with the
 * copy, or made under another shard layout) it rewrites everything, in pages, resuming where a run that
 * ran out of time stopped.
 */
public final class IngestRuleReconciler {
    /**
     * Changes stamped this long before the mark are written again: a transaction stamps rows with its start
     * time and may commit after a later read began, and a failover may lose the latest writes.
     */
    static final Duration OVERLAP = Duration.ofMinutes(10);
    static final int PAGE = 2000;
    private static final UUID FIRST = new UUID(0, 0);

    /**
     * What one run wrote; {@code complete} is false when the time ran out in the middle of a full rewrite, or
     * the mark changed under the run.
     */
    public record Report(boolean fullPass, boolean complete, int devices, int accounts) {
    }

    private final IngestRuleSource source;
    private final ControlPlaneCache cache;

    public IngestRuleReconciler(IngestRuleSource source, ControlPlaneCache cache) {
        this.source = source;
        this.cache = cache;
    }

    /**
     * Every mark is written only over the one this run read or wrote last: a run that finds it changed
     * (another run, or Redis lost it, mark included) stops, and the next run starts from what is there.
     */
    public Report run(int shard, BooleanSupplier keepGoing) throws Exception {
        Optional<ReconcileMark> mark = cache.reconcileMark(shard);
        if (mark.isPresent() && !mark.get().passUnderWay()) {
            Instant now = source.now();
            Instant since = mark.get().through().minus(OVERLAP);
            List<DeviceRevocation> devices = source.revocationsChangedSince(since);
            List<AccountIngestLimits> accounts = source.ingestLimitsChangedSince(since);
            cache.restore(shard, devices, accounts);
            boolean kept = cache.replaceReconcileMark(shard, mark, ReconcileMark.reconciledThrough(now));
            return new Report(false, kept, devices.size(), accounts.size());
        }
        Instant started;
        UUID after;
        int accounts = 0;
        if (mark.isPresent()) {
            started = mark.get().passStartedAt();
            after = mark.get().resumeAfter();
        } else {
            started = source.now();
            after = FIRST;
            List<AccountIngestLimits> limits = source.ingestLimitsChangedSince(Instant.EPOCH);
            cache.restore(shard, List.of(), limits);
            accounts = limits.size();
            ReconcileMark begun = ReconcileMark.passUnderWay(after, started);
            if (!cache.replaceReconcileMark(shard, mark, begun)) {
                return new Report(true, false, 0, accounts);
            }
            mark = Optional.of(begun);
        }
        int devices = 0;
        while (keepGoing.getAsBoolean()) {
            List<DeviceRevocation> page = source.revocations(after, PAGE);
            cache.restore(shard, page, List.of());
            devices += page.size();
            if (page.size() < PAGE) {
                // What changed behind the cursor while the pass ran is stamped after its start: the next
                // run rewrites it.
                boolean kept = cache.replaceReconcileMark(shard, mark, ReconcileMark.reconciledThrough(started));
                return new Report(true, kept, devices, accounts);
            }
            after = page.get(page.size() - 1).deviceId();
            ReconcileMark progress = ReconcileMark.passUnderWay(after, started);
            if (!cache.replaceReconcileMark(shard, mark, progress)) {
                return new Report(true, false, devices, accounts);
            }
            mark = Optional.of(progress);
        }
        return new Report(true, false, devices, accounts);
    }
}
