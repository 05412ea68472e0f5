package io.nuscape.erasure;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.nuscape.core.Settings;
import io.nuscape.core.StructuredLog;
import io.nuscape.core.internal.SecretsClient;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.PostgresErasures;
import io.nuscape.redis.RedisConnector;
import io.nuscape.redis.RedisControlPlaneCache;
import io.nuscape.redis.RedisDeviceSweeper;
import io.nuscape.redis.StreamKeys;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/** Lambda entry point of ErasureFunction (EventBridge, every 5 minutes); stops before its time runs out. */
public final class ErasureHandler implements RequestHandler<Map<String, Object>, Map<String, Object>>, AutoCloseable {
    private final Settings settings;
    private final RedisConnector redis;
    private final ErasureJob job;

    public ErasureHandler() {
        this(Settings.fromEnvironment());
    }

    public ErasureHandler(Settings settings) {
        this.settings = settings;
        this.redis = new RedisConnector(settings);
        StreamKeys keys = new StreamKeys(settings.redisPrefix(), settings.streamShards());
        this.job = new ErasureJob(new PostgresErasures(Database.fromSettings(settings, () -> SecretsClient.create(settings))),
                new RedisControlPlaneCache(redis, keys), new RedisDeviceSweeper(redis, keys), settings.maintenanceBatchRows(),
                Clock.systemUTC(), new StructuredLog("erasure", settings.logLevel()));
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> input, Context context) {
        long margin = settings.drainSafetyMarginMs();
        try {
            ErasureJob.Report r = job.run(() -> context == null || context.getRemainingTimeInMillis() > margin);
            var out = new LinkedHashMap<String, Object>();
            out.put("completed", r.completed());
            out.put("still_pending", r.stillPending());
            out.put("rows_deleted", r.rowsDeleted());
            return out;
        } catch (Exception e) {
            throw new IllegalStateException("erasure run failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        redis.close();
    }
}
