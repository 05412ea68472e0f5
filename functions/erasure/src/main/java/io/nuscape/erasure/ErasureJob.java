package io.nuscape.erasure;

import io.nuscape.core.StructuredLog;
import io.nuscape.core.control.Erasure;
import io.nuscape.core.queue.ControlPlaneCache;
import io.nuscape.postgres.RollupTable;
import io.nuscape.postgres.PostgresErasures;
import io.nuscape.redis.RedisDeviceSweeper;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * Completes pending erasure requests: ingest refuses the device (again, idempotently), its rollup rows and
 * dedupe keys go in batches, its dead letters and acknowledged stream entries go, and only when nothing of
 * it is left anywhere is its record reduced to its id and the request marked done. Every step may be
 * repeated, so a run killed anywhere is finished by the next one.
 */
public final class ErasureJob {
    /** What one run did. */
    public record Report(int completed, int stillPending, long rowsDeleted) {
    }

    private final PostgresErasures store;
    private final ControlPlaneCache cache;
    private final RedisDeviceSweeper sweeper;
    private final int batch;
    private final Clock clock;
    private final StructuredLog log;

    public ErasureJob(PostgresErasures store, ControlPlaneCache cache, RedisDeviceSweeper sweeper, int batch, Clock clock, StructuredLog log) {
        this.store = store;
        this.cache = cache;
        this.sweeper = sweeper;
        this.batch = batch;
        this.clock = clock;
        this.log = log;
    }

    /**
     * Postgres first, request by request, then one sweep of Redis for all requests whose rows are gone, so
     * a run costs one pass over each shard's streams however many requests wait. Stops when
     * {@code keepGoing} turns false; what is left is done by the next run.
     */
    public Report run(BooleanSupplier keepGoing) throws Exception {
        int done = 0;
        int pending = 0;
        long rows = 0;
        List<Erasure> rowsGone = new ArrayList<>();
        for (Erasure e : store.pending(100)) {
            if (!keepGoing.getAsBoolean()) {
                pending++;
                continue;
            }
            cache.markErased(e.accountId(), e.deviceId());
            store.progress(e.erasureId(), "rollups");
            for (RollupTable t : RollupTable.ALL) {
                rows += store.deleteRollups(t, e.accountId(), e.deviceId(), batch, keepGoing);
            }
            store.progress(e.erasureId(), "dedupe_keys");
            rows += store.deleteDedupeKeys(e.deviceId(), batch, keepGoing);
            if (keepGoing.getAsBoolean()) {
                store.progress(e.erasureId(), "redis");
                rowsGone.add(e);
            } else {
                pending++;
            }
        }
        if (rowsGone.isEmpty()) {
            return new Report(done, pending, rows);
        }
        Map<UUID, UUID> devices = new LinkedHashMap<>();
        rowsGone.forEach(e -> devices.put(e.deviceId(), e.accountId()));
        RedisDeviceSweeper.Sweep sweep = sweeper.sweep(devices, keepGoing);
        for (Erasure e : rowsGone) {
            long inFlight = sweep.waiting(e.deviceId());
            boolean clean = sweep.complete() && inFlight == 0 && keepGoing.getAsBoolean() && store.nothingLeft(e.accountId(), e.deviceId());
            var fields = new LinkedHashMap<String, Object>();
            fields.put("erasure_id", e.erasureId().toString());
            fields.put("account", e.accountId().toString());
            fields.put("dead_letters_deleted", sweep.recordsDeleted().getOrDefault(e.deviceId(), 0L));
            fields.put("batch_answers_deleted", sweep.answersDeleted().getOrDefault(e.deviceId(), 0L));
            fields.put("stream_entries_waiting", sweep.complete() ? inFlight : null);
            if (clean) {
                store.complete(e, clock.instant());
                done++;
                log.info("erasure done", fields);
            } else {
                pending++;
                store.progress(e.erasureId(), inFlight > 0 ? "waiting_for_drainer" : "continuing");
                log.info("erasure continues next run", fields);
            }
        }
        return new Report(done, pending, rows);
    }
}
