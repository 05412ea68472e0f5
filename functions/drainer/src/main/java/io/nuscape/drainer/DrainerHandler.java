package io.nuscape.drainer;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.nuscape.core.Json;
import io.nuscape.core.Settings;
import io.nuscape.core.StructuredLog;
import io.nuscape.core.internal.SecretsClient;
import io.nuscape.core.queue.IngestRuleReconciler;
import io.nuscape.core.queue.QueueUnavailableException;
import io.nuscape.core.stream.StreamStats;
import io.nuscape.postgres.ConnectionPool;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.PostgresIngestRules;
import io.nuscape.postgres.PostgresRollupStore;
import io.nuscape.redis.RedisConnector;
import io.nuscape.redis.RedisControlPlaneCache;
import io.nuscape.redis.RedisEventStream;
import io.nuscape.redis.StreamKeys;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lambda entry point of DrainerFunction, fired every minute by an EventBridge schedule whose input names
 * the shard ({@code {"shard": 0}}). First brings the shard's copy of the ingest rules in line with Postgres
 * ({@link IngestRuleReconciler}, for at most {@link #RECONCILE_BUDGET_MS} of the invocation), then drains
 * until the invocation's remaining time falls under the safety margin, then logs one summary and the same
 * figures as CloudWatch Embedded Metric Format.
 */
public final class DrainerHandler implements RequestHandler<Map<String, Object>, Map<String, Object>>, AutoCloseable {
    private final Settings settings;
    private final RedisConnector redis;
    private final RedisEventStream stream;
    private final PostgresRollupStore store;
    private final ConnectionPool rulesPool;
    private final IngestRuleReconciler reconciler;
    private final StructuredLog log;

    /** A full rewrite of the rules after Redis lost them goes on over several invocations rather than starve the drain. */
    static final long RECONCILE_BUDGET_MS = 10_000;

    public DrainerHandler() {
        this(Settings.fromEnvironment());
    }

    public DrainerHandler(Settings settings) {
        this.settings = settings;
        this.redis = new RedisConnector(settings);
        this.stream = new RedisEventStream(redis, settings);
        Database database = Database.fromSettings(settings, () -> SecretsClient.create(settings));
        this.store = new PostgresRollupStore(database);
        this.rulesPool = new ConnectionPool(database, 1, 1000);
        this.reconciler = new IngestRuleReconciler(new PostgresIngestRules(rulesPool),
                new RedisControlPlaneCache(redis, new StreamKeys(settings.redisPrefix(), settings.streamShards())));
        this.log = new StructuredLog("drainer", settings.logLevel());
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> input, Context context) {
        int shard = shard(input);
        String consumer = "drainer-" + (context != null && context.getLogStreamName() != null
                ? context.getLogStreamName().replaceAll("[^A-Za-z0-9]", "").substring(0, Math.min(40, context.getLogStreamName().replaceAll("[^A-Za-z0-9]", "").length()))
                : ProcessHandle.current().pid());
        long margin = settings.drainSafetyMarginMs();
        IngestRuleReconciler.Report rules = reconcile(shard, context, margin);
        StreamDrainer drainer = new StreamDrainer(stream, store, DrainOptions.from(settings), consumer, log, Clock.systemUTC());
        List<Integer> retired = shard == 0 ? drainRetiredShards(drainer, context, margin) : List.of();
        CycleReport report = drainer.run(shard, () -> context == null || context.getRemainingTimeInMillis() > margin);
        StreamStats stats = null;
        try {
            stats = stream.stats(shard);
        } catch (QueueUnavailableException e) {
            // Unknown, not -1: a made-up lag would keep the lag alarm quiet while nothing is drained.
        }
        var summary = new LinkedHashMap<String, Object>();
        summary.put("shard", shard);
        summary.put("entries", report.entries());
        summary.put("events_drained", report.eventsCounted());
        summary.put("events_deduplicated", report.duplicates());
        summary.put("events_dropped_revoked", report.dropped());
        summary.put("dlq_entries", report.deadLetters());
        summary.put("stream_lag_ms", stats == null ? null : stats.lagMillis());
        summary.put("stream_pending", stats == null ? null : stats.pending());
        summary.put("stream_undelivered", stats == null ? null : stats.undelivered());
        summary.put("stopped_by", report.stoppedBy());
        summary.put("retired_shards_drained", retired);
        summary.put("rules_devices_rewritten", rules == null ? null : rules.devices());
        summary.put("rules_full_rewrite", rules == null ? null : rules.fullPass() ? (rules.complete() ? "done" : "continues") : "no");
        log.info("drain run", summary);
        System.out.println(Json.write(embeddedMetrics(shard, summary)));
        if (stats == null) {
            // A failed invocation is what the errors alarm counts; the lag alarm also sees its metric missing.
            throw new DrainUnavailableException("shard " + shard + ": Redis unreachable, the stream was not drained"
                    + (report.stoppedBy().isEmpty() ? "" : " (stopped by " + report.stoppedBy() + ")"));
        }
        return summary;
    }

    /**
     * Shard 0's invocation also drains the streams of shards a larger NUSCAPE_STREAM_SHARDS used before,
     * until each is idle or {@link #RETIRED_SHARD_SLICE_MS} passed, invocation after invocation until they are
     * empty: what they hold was accepted (202) and is owed.
     */
    private List<Integer> drainRetiredShards(StreamDrainer drainer, Context context, long margin) {
        List<Integer> retired;
        try {
            retired = stream.retiredShardsWithEntries();
        } catch (QueueUnavailableException e) {
            return List.of(); // the drain of the shard itself reports Redis as unreachable
        }
        for (int k : retired) {
            long until = System.currentTimeMillis() + RETIRED_SHARD_SLICE_MS;
            CycleReport r = drainer.runUntilIdle(k, () -> System.currentTimeMillis() < until
                    && (context == null || context.getRemainingTimeInMillis() > margin));
            var fields = new LinkedHashMap<String, Object>();
            fields.put("retired_shard", k);
            fields.put("events_drained", r.eventsCounted());
            fields.put("stopped_by", r.stoppedBy());
            log.info("retired shard drained", fields);
        }
        return retired;
    }

    static final long RETIRED_SHARD_SLICE_MS = 10_000;

    /**
     * Failures are logged and the drain goes on: draining never waits for the copy (the drainer checks
     * revocations in Postgres itself), and the next invocation tries again.
     */
    private IngestRuleReconciler.Report reconcile(int shard, Context context, long margin) {
        long until = System.currentTimeMillis() + RECONCILE_BUDGET_MS;
        try {
            return reconciler.run(shard, () -> System.currentTimeMillis() < until
                    && (context == null || context.getRemainingTimeInMillis() > margin));
        } catch (Exception e) {
            rulesPool.closeIdle();
            var fields = new LinkedHashMap<String, Object>();
            fields.put("shard", shard);
            fields.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
            log.warn("ingest rules not reconciled; retried next invocation", fields);
            return null;
        }
    }

    @Override
    public void close() {
        rulesPool.close();
        store.close();
        redis.close();
    }

    private int shard(Map<String, Object> input) {
        Object v = input == null ? null : input.get("shard");
        int shard = v == null ? 0 : v instanceof Number n ? n.intValue() : Integer.parseInt(String.valueOf(v));
        if (shard < 0 || shard >= settings.streamShards()) {
            throw new IllegalArgumentException("shard " + shard + " is outside 0.." + (settings.streamShards() - 1)
                    + " (NUSCAPE_STREAM_SHARDS=" + settings.streamShards() + ")");
        }
        return shard;
    }

    /**
     * CloudWatch Embedded Metric Format: the template's alarms watch DlqEntries and StreamLagMs. A figure
     * that could not be read is left out rather than sent as a number, so alarms see it missing.
     */
    static Map<String, Object> embeddedMetrics(int shard, Map<String, Object> summary) {
        var values = new LinkedHashMap<String, Object>();
        values.put("EventsDrained", summary.get("events_drained"));
        values.put("EventsDeduplicated", summary.get("events_deduplicated"));
        values.put("DlqEntries", summary.get("dlq_entries"));
        values.put("StreamLagMs", summary.get("stream_lag_ms"));
        values.put("StreamPending", summary.get("stream_pending"));
        return io.nuscape.core.EmbeddedMetrics.of(Map.of("Shard", Integer.toString(shard)), values);
    }
}
