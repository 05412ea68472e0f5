package io.nuscape.retention;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.nuscape.core.Settings;
import io.nuscape.core.StructuredLog;
import io.nuscape.core.internal.SecretsClient;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.Migrator;
import io.nuscape.postgres.PostgresRetention;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** Lambda entry point of RetentionFunction (daily EventBridge schedule); stops before its time runs out, the next run goes on. */
public final class RetentionHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private final Settings settings;
    private final RetentionJob job;

    public RetentionHandler() {
        this(Settings.fromEnvironment());
    }

    public RetentionHandler(Settings settings) {
        this.settings = settings;
        Database db = Database.fromSettings(settings, () -> SecretsClient.create(settings));
        this.job = new RetentionJob(new PostgresRetention(db), new Migrator(db), Duration.ofHours(settings.dedupeWindowHours()),
                settings.maintenanceBatchRows(), settings.retentionLimits(), Clock.systemUTC(), new StructuredLog("retention", settings.logLevel()));
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> input, Context context) {
        long margin = settings.drainSafetyMarginMs();
        try {
            RetentionJob.Report r = job.run(() -> context == null || context.getRemainingTimeInMillis() > margin);
            var out = new LinkedHashMap<String, Object>();
            out.put("partitions_dropped", r.partitionsDropped());
            out.put("rows_expired", r.rowsExpired());
            out.put("dedupe_tables_dropped", r.dedupeTablesDropped());
            out.put("partitions_created", r.partitionsCreated());
            out.put("finished", r.finished());
            return out;
        } catch (Exception e) {
            throw new IllegalStateException("retention run failed: " + e.getMessage(), e);
        }
    }
}
