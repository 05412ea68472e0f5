package io.nuscape.ingest.bench;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.nio.charset.StandardCharsets;
import io.nuscape.core.Settings;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.TokenIssuer;
import io.nuscape.core.event.EventCodec;
import io.nuscape.core.event.UsageEvent;
import io.nuscape.ingest.IngestFunction;
import io.nuscape.ingest.IngestHandler;
import io.nuscape.testkit.EmbeddedRedis;
import io.nuscape.testkit.TestKeys;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code scripts/bench ingest}: the ingest handler in-process against a real Redis, callers sending
 * batches of 50, beside raw Lettuce XADD of the same entry bytes at the same concurrency (the queue's own
 * cost, the physical limit of this path). Prints one summary line.
 */
public final class IngestBench {
    private static final int ACCOUNTS = 200;

    public static void main(String[] args) throws Exception {
        int seconds = intArg(args, "--seconds", 10);
        int threads = intArg(args, "--threads", 32);
        int batch = intArg(args, "--batch", 50);
        String external = System.getenv("NUSCAPE_BENCH_REDIS_URL");
        EmbeddedRedis embedded = external == null || external.isBlank() ? EmbeddedRedis.start() : null;
        String url = embedded != null ? embedded.url() : external;
        String prefix = "bench" + ProcessHandle.current().pid();
        TestKeys.Key key = TestKeys.hs256("bench");
        Settings settings = Settings.from(Map.of(
                "NUSCAPE_REDIS_URL", url,
                "NUSCAPE_REDIS_PREFIX", prefix,
                "NUSCAPE_JWT_KEYS", TestKeys.keySet(key),
                "NUSCAPE_LOG_LEVEL", "WARN",
                "NUSCAPE_RATE_LIMIT_DEFAULT_PER_MINUTE", "1000000000",
                "NUSCAPE_BACKLOG_MAX_ENTRIES", "100000000"));
        System.out.printf("bench ingest: redis=%s threads=%d batch=%d seconds=%d (+3 s warm-up each phase)%n",
                embedded != null ? "embedded " + url : url, threads, batch, seconds);

        try (IngestFunction function = new IngestFunction(settings);
             RedisClient raw = RedisClient.create(url)) {
            IngestHandler handler = new IngestHandler(function);
            Workload w = new Workload(function, batch);
            String stream = function.queue().keys().stream(0);
            RedisCommands<String, String> inspect = raw.connect().sync();

            inspect.configResetstat();
            long xlenBefore = inspect.xlen(stream);
            Result ingest = run(threads, seconds, (thread, i) -> {
                APIGatewayV2HTTPResponse r = handler.handleRequest(w.request(thread, i), null);
                if (r.getStatusCode() != 202) {
                    throw new IllegalStateException("ingest answered " + r.getStatusCode() + ": " + r.getBody());
                }
            });
            long entriesAdded = inspect.xlen(stream) - xlenBefore;
            if (entriesAdded != ingest.totalCalls()) {
                throw new IllegalStateException("stream grew by " + entriesAdded + " entries but " + ingest.totalCalls() + " calls were accepted");
            }
            inspect.del(stream);
            String scriptStats = commandStats(inspect, "evalsha");
            inspect.configResetstat();

            // The same entry the script writes, the same bytes, the same concurrency, through one shared
            // Lettuce connection as the function uses: what Redis and the client cost by themselves.
            // Values go as bytes encoded on the caller's thread, exactly as the function sends them.
            byte[] payload = w.encodedEvents;
            byte[] id = UUID.randomUUID().toString().getBytes(StandardCharsets.US_ASCII);
            StatefulRedisConnection<String, byte[]> rawConnection = raw.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
            RedisCommands<String, byte[]> c = rawConnection.sync();
            String rawStream = prefix + ":raw-xadd";
            byte[] one = {'1'};
            byte[] n = Integer.toString(batch).getBytes(StandardCharsets.US_ASCII);
            Result rawXadd = run(threads, seconds, (thread, i) -> {
                Map<String, byte[]> fields = new java.util.LinkedHashMap<>();
                fields.put("v", one);
                fields.put("acct", id);
                fields.put("dev", id);
                fields.put("batch", id);
                fields.put("gen", one);
                fields.put("recv", one);
                fields.put("n", n);
                fields.put("events", payload);
                c.xadd(rawStream, fields);
            });
            c.del(rawStream);
            String xaddStats = commandStats(inspect, "xadd");
            rawConnection.close();
            System.out.println("redis, ingest phase: " + scriptStats);
            System.out.println("redis, raw phase:    " + xaddStats);

            double eventsPerS = ingest.callsPerSecond() * batch;
            double rawPerS = rawXadd.callsPerSecond() * batch;
            System.out.printf("ingest handler: %.0f requests/s, p50=%.2f ms p99=%.2f ms%n", ingest.callsPerSecond(), ingest.p50Ms(), ingest.p99Ms());
            System.out.printf("raw XADD:       %.0f requests/s, p50=%.2f ms p99=%.2f ms%n", rawXadd.callsPerSecond(), rawXadd.p50Ms(), rawXadd.p99Ms());
            System.out.printf("ingest: events_per_s=%.0f p99_ms=%.2f raw_xadd_events_per_s=%.0f ratio=%.2f%n",
                    eventsPerS, ingest.p99Ms(), rawPerS, eventsPerS / rawPerS);
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    /** Redis's own time per call of a command (INFO commandstats): where the server's share goes. */
    private static String commandStats(RedisCommands<String, String> c, String command) {
        return c.info("commandstats").lines().filter(l -> l.startsWith("cmdstat_" + command + ":")).findFirst().orElse("no " + command);
    }

    /** Pre-built request parts so the callers spend their time in the handler, not in building bodies. */
    private static final class Workload {
        final String[] tokens = new String[ACCOUNTS];
        final String head;
        final String tail;
        final byte[] encodedEvents;

        Workload(IngestFunction f, int batch) {
            TokenIssuer issuer = new TokenIssuer(f.keys(), Optional.empty(), "nuscape", "nuscape");
            for (int a = 0; a < ACCOUNTS; a++) {
                tokens[a] = "Bearer " + issuer.issue(UUID.randomUUID(), UUID.randomUUID().toString(), Set.of(Scope.INGEST), 0,
                        Instant.now(), Duration.ofHours(2));
            }
            long now = System.currentTimeMillis();
            StringBuilder events = new StringBuilder();
            List<UsageEvent> parsed = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                UUID id = UUID.randomUUID();
                long ts = now - i * 1000L;
                String key = "com.example.app" + (i % 30);
                events.append(i == 0 ? "" : ",").append("{\"event_id\":\"").append(id).append("\",\"ts\":\"")
                        .append(Instant.ofEpochMilli(ts)).append("\",\"kind\":\"app\",\"key\":\"").append(key)
                        .append("\",\"duration_ms\":").append(1000 + i).append('}');
                parsed.add(new UsageEvent(id.toString(), ts, "app", key, 1000 + i));
            }
            head = "{\"batch_id\":\"";
            tail = "\",\"events\":[" + events + "]}";
            encodedEvents = EventCodec.encode(parsed);
        }

        APIGatewayV2HTTPEvent request(int thread, long i) {
            Map<String, String> headers = new HashMap<>(4);
            headers.put("authorization", tokens[(int) ((thread * 7919L + i) % ACCOUNTS)]);
            headers.put("content-type", "application/json");
            // Batch ids unique per call without SecureRandom contention: thread and sequence number.
            String batchId = new UUID(0x4000_0000_0000_0000L | ((long) thread << 32) | (i >>> 32), 0x8000_0000_0000_0000L | i).toString();
            return APIGatewayV2HTTPEvent.builder()
                    .withRawPath(IngestHandler.ROUTE)
                    .withHeaders(headers)
                    .withBody(head + batchId + tail)
                    .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                            .withRequestId("bench")
                            .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod("POST").withPath(IngestHandler.ROUTE).build())
                            .build())
                    .build();
        }
    }

    @FunctionalInterface
    private interface Call {
        void run(int thread, long i) throws Exception;
    }

    private record Result(long totalCalls, double callsPerSecond, double p50Ms, double p99Ms) {
    }

    /** Warm-up for 3 s, then measures for the given seconds; latencies of the measured calls only. */
    private static Result run(int threads, int seconds, Call call) throws InterruptedException {
        AtomicLong total = new AtomicLong();
        long[][] latencies = new long[threads][];
        int[] counts = new int[threads];
        long warmEnd = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        long end = warmEnd + Duration.ofSeconds(seconds).toNanos();
        CountDownLatch done = new CountDownLatch(threads);
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread worker = new Thread(() -> {
                long[] lat = new long[1 << 16];
                int n = 0;
                long i = 0;
                try {
                    while (true) {
                        long start = System.nanoTime();
                        if (start >= end) {
                            break;
                        }
                        call.run(thread, i++);
                        long stop = System.nanoTime();
                        total.incrementAndGet();
                        if (start >= warmEnd && stop <= end) {
                            if (n == lat.length) {
                                lat = Arrays.copyOf(lat, n * 2);
                            }
                            lat[n++] = stop - start;
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                } finally {
                    latencies[thread] = lat;
                    counts[thread] = n;
                    done.countDown();
                }
            }, "bench-" + t);
            worker.start();
        }
        done.await();
        if (!failures.isEmpty()) {
            throw new IllegalStateException("a bench call failed", failures.get(0));
        }
        int measured = 0;
        for (int c : counts) {
            measured += c;
        }
        long[] all = new long[measured];
        int k = 0;
        for (int t = 0; t < threads; t++) {
            System.arraycopy(latencies[t], 0, all, k, counts[t]);
            k += counts[t];
        }
        Arrays.sort(all);
        return new Result(total.get(), measured / (double) seconds,
                all.length == 0 ? 0 : all[(int) (all.length * 0.50)] / 1e6,
                all.length == 0 ? 0 : all[Math.min(all.length - 1, (int) (all.length * 0.99))] / 1e6);
    }

    private static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }
}
