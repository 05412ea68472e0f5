package io.nuscape.api.resource;

import static io.nuscape.api.internal.Requests.json;

import io.nuscape.api.Public;
import io.nuscape.api.RequiresScope;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.stream.StreamStats;
import io.nuscape.postgres.ConnectionPool;
import io.nuscape.redis.RedisConnector;
import io.nuscape.redis.RedisEventStream;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /healthz} (no token) and {@code GET /metrics-lite} (operator), as CONTRACT.md's Operations. */
@Path("/")
public final class OperationsResource {
    static final List<String> COUNTERS = List.of("events_accepted", "events_rejected", "batches_duplicate", "events_drained",
            "events_deduplicated", "dlq_entries", "events_dropped_revoked", "requests_rate_limited", "requests_backlogged");

    private final RedisConnector redis;
    private final ConnectionPool pool;
    private final RedisEventStream stream;
    private final int shards;

    public OperationsResource(RedisConnector redis, ConnectionPool pool, RedisEventStream stream, int shards) {
        this.redis = redis;
        this.pool = pool;
        this.stream = stream;
        this.shards = shards;
    }

    @GET
    @Path("healthz")
    @Public
    public Response health() {
        boolean redisUp;
        try {
            redisUp = "PONG".equals(redis.commands().ping());
        } catch (RuntimeException e) {
            redisUp = false;
        }
        boolean postgresUp;
        try (ConnectionPool.Lease l = pool.borrow(); Statement s = l.connection().createStatement()) {
            s.setQueryTimeout(2);
            postgresUp = s.execute("SELECT 1");
        } catch (Exception e) {
            postgresUp = false;
        }
        var body = new LinkedHashMap<String, Object>();
        body.put("status", redisUp && postgresUp ? "ok" : "down");
        body.put("redis", redisUp ? "ok" : "down");
        body.put("postgres", postgresUp ? "ok" : "down");
        return json(redisUp && postgresUp ? 200 : 503, body);
    }

    @GET
    @Path("metrics-lite")
    @RequiresScope(Scope.OPERATOR)
    public Response metrics() {
        Map<String, Long> totals = new LinkedHashMap<>();
        COUNTERS.forEach(c -> totals.put(c, 0L));
        long lag = 0;
        long pending = 0;
        long undelivered = 0;
        for (int shard = 0; shard < shards; shard++) {
            Map<String, byte[]> stats = redis.commands().hgetall(stream.keys().stats(shard));
            stats.forEach((k, v) -> totals.merge(k, Long.parseLong(new String(v, StandardCharsets.US_ASCII)), Long::sum));
            StreamStats s = stream.stats(shard);
            lag = Math.max(lag, s.lagMillis());
            pending += s.pending();
            undelivered += s.undelivered();
        }
        var body = new LinkedHashMap<String, Object>(totals);
        body.put("stream_lag", undelivered);
        body.put("stream_lag_ms", lag);
        body.put("stream_pending", pending);
        return json(200, body);
    }
}
