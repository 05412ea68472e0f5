package io.nuscape.ingest;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.nuscape.core.Json;
import io.nuscape.core.Settings;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.TokenIssuer;
import io.nuscape.redis.RedisControlPlaneCache;
import io.nuscape.redis.StreamKeys;
import io.nuscape.testkit.TestKeys;
import io.nuscape.testkit.TestRedis;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

/**
 * An ingest function on real Redis with a key prefix of its own, real keys (HS256 and ES256), token minting
 * and direct looks at the stream and dead-letter stream.
 */
final class IngestFixture implements AutoCloseable {
    static final TestKeys.Key HS = TestKeys.hs256("hs-test");
    static final TestKeys.Key ES = TestKeys.es256("es-test");

    final String prefix;
    final Settings settings;
    final IngestFunction function;
    final IngestHandler handler;
    final StreamKeys keys;
    final RedisControlPlaneCache control;
    private final RedisClient inspectClient;
    final RedisCommands<String, String> redis;
    private final StatefulRedisConnection<String, String> inspectConnection;

    IngestFixture(String name, Map<String, String> overrides) {
        this(name, TestRedis.url(), overrides);
    }

    IngestFixture(String name, String redisUrl, Map<String, String> overrides) {
        this.prefix = TestRedis.uniquePrefix(name);
        Map<String, String> env = new HashMap<>();
        env.put("NUSCAPE_REDIS_URL", redisUrl);
        env.put("NUSCAPE_REDIS_PREFIX", prefix);
        env.put("NUSCAPE_JWT_KEYS", TestKeys.keySet(HS, ES));
        env.put("NUSCAPE_LOG_LEVEL", "WARN");
        env.putAll(overrides);
        this.settings = Settings.from(env);
        this.function = new IngestFunction(settings);
        this.handler = new IngestHandler(function);
        this.keys = function.queue().keys();
        this.control = new RedisControlPlaneCache(function.redis(), keys);
        this.inspectClient = RedisClient.create(redisUrl);
        this.inspectConnection = inspectClient.connect();
        this.redis = inspectConnection.sync();
    }

    String token(UUID account, UUID device, Set<Scope> scopes, long generation) {
        return token("hs-test", account, device.toString(), scopes, generation);
    }

    String token(String kid, UUID account, String subject, Set<Scope> scopes, long generation) {
        return new TokenIssuer(function.keys(), Optional.of(kid), "nuscape", "nuscape")
                .issue(account, subject, scopes, generation, Instant.now(), Duration.ofHours(1));
    }

    static String event(UUID id, long ts, String kind, String key, long duration) {
        return "{\"event_id\":\"" + id + "\",\"ts\":" + ts + ",\"kind\":\"" + kind + "\",\"key\":\"" + key
                + "\",\"duration_ms\":" + duration + "}";
    }

    static String batch(UUID batchId, List<String> events) {
        return "{" + (batchId == null ? "" : "\"batch_id\":\"" + batchId + "\",") + "\"events\":[" + String.join(",", events) + "]}";
    }

    static List<String> events(int n) {
        List<String> out = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (int i = 0; i < n; i++) {
            out.add(event(UUID.randomUUID(), now - i * 1000L, "app", "com.example.app" + (i % 7), 1000 + i));
        }
        return out;
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    APIGatewayV2HTTPResponse post(String token, String body) {
        return post(token, body, Map.of());
    }

    APIGatewayV2HTTPResponse post(String token, String body, Map<String, String> extraHeaders) {
        Map<String, String> headers = new HashMap<>();
        headers.put("content-type", "application/json");
        if (token != null) {
            headers.put("authorization", "Bearer " + token);
        }
        headers.putAll(extraHeaders);
        headers.values().removeIf(v -> v == null);
        return send("POST", IngestHandler.ROUTE, headers, body, false);
    }

    APIGatewayV2HTTPResponse postBytes(String token, byte[] body, Map<String, String> extraHeaders) {
        Map<String, String> headers = new HashMap<>();
        headers.put("content-type", "application/json");
        headers.put("authorization", "Bearer " + token);
        headers.putAll(extraHeaders);
        return send("POST", IngestHandler.ROUTE, headers, Base64.getEncoder().encodeToString(body), true);
    }

    APIGatewayV2HTTPResponse send(String method, String path, Map<String, String> headers, String body, boolean base64) {
        APIGatewayV2HTTPEvent event = APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0")
                .withRouteKey(method + " " + path)
                .withRawPath(path)
                .withHeaders(headers)
                .withBody(body)
                .withIsBase64Encoded(base64)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withRequestId(UUID.randomUUID().toString())
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(method).withPath(path).build())
                        .build())
                .build();
        return handler.handleRequest(event, null);
    }

    static JsonNode json(APIGatewayV2HTTPResponse r) {
        try {
            return Json.mapper().readTree(r.getBody());
        } catch (IOException e) {
            throw new IllegalStateException("not JSON: " + r.getBody(), e);
        }
    }

    /** Every entry in all shards' streams. */
    List<StreamMessage<String, String>> streamEntries() {
        List<StreamMessage<String, String>> all = new ArrayList<>();
        for (int s = 0; s < keys.shards(); s++) {
            all.addAll(redis.xrange(keys.stream(s), io.lettuce.core.Range.create("-", "+")));
        }
        return all;
    }

    List<StreamMessage<String, String>> deadLetters() {
        List<StreamMessage<String, String>> all = new ArrayList<>();
        for (int s = 0; s < keys.shards(); s++) {
            all.addAll(redis.xrange(keys.deadLetters(s), io.lettuce.core.Range.create("-", "+")));
        }
        return all;
    }

    Map<String, String> stats(UUID account) {
        return redis.hgetall(keys.stats(keys.shardOf(account)));
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        inspectConnection.close();
        inspectClient.shutdown();
        function.close();
    }
}
