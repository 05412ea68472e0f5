package io.nuscape.local.bench;

import io.nuscape.local.LocalRuntime;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code scripts/bench e2e}: the local runtime (fresh embedded servers) under HTTP load from a separate
 * process (wrk and a Lua script that sends unique batches of 50 events for 200 devices). Meanwhile a probe
 * sends one-event batches with a key of their own and polls the rollups until each is visible: freshness.
 * At the end, once the stream is drained, the events counted in the rollups are compared with the events
 * the load generator got 202 for: lost and double counted.
 */
public final class E2eBench {
    public static void main(String[] args) throws Exception {
        int seconds = intArg(args, "--seconds", 30);
        int connections = intArg(args, "--connections", 32);
        int rate = intArg(args, "--rate", 24_000);
        Path dataDir = Files.createTempDirectory("nuscape-e2e");
        Map<String, String> env = new HashMap<>();
        env.put("NUSCAPE_LOG_LEVEL", "WARN");
        env.put("NUSCAPE_RATE_LIMIT_DEFAULT_PER_MINUTE", "100000000");
        env.put("NUSCAPE_BACKLOG_MAX_ENTRIES", "10000000");
        env.put("NUSCAPE_DRAIN_BLOCK_MS", "200");
        Path root = Path.of(System.getenv().getOrDefault("NUSCAPE_HOME", ".")).toAbsolutePath();
        try (LocalRuntime runtime = LocalRuntime.start(new LocalRuntime.Options(root.resolve("template.yaml"), dataDir, 0, env, System.out))) {
            UUID account = UUID.randomUUID();
            UUID probeAccount = UUID.randomUUID();
            List<String> tokens = StackFigures.deviceTokens(runtime, account, 200);
            String probeToken = StackFigures.deviceTokens(runtime, probeAccount, 1).get(0);
            Path script = dataDir.resolve("load.lua");
            // Pacing: each connection waits so that together they offer `rate` events/s (0: as fast as possible).
            double delayMs = rate <= 0 ? 0 : connections * 50 * 1000.0 / rate;
            Files.writeString(script, luaScript(tokens, delayMs));
            try (var c = runtime.database().connect()) {
                System.out.println("bench e2e: postgres as it reports: " + io.nuscape.testkit.DurablePostgres.durability(c));
            }
            System.out.printf("bench e2e: %s, wrk -t2 -c%d for %d s, batches of 50 events, 200 devices, offered %s events/s; probe every 250 ms%n",
                    runtime.baseUrl(), connections, seconds, rate <= 0 ? "unlimited" : Integer.toString(rate));

            // Freshness probe: one-event batches with unique keys, polled in the rollups until visible.
            AtomicBoolean probing = new AtomicBoolean(true);
            Map<String, Long> sentAt = new ConcurrentHashMap<>();
            List<Long> freshness = java.util.Collections.synchronizedList(new ArrayList<>());
            HttpClient http = HttpClient.newHttpClient();
            Thread prober = Thread.ofPlatform().start(() -> {
                int n = 0;
                while (probing.get()) {
                    String key = "probe." + (n++);
                    String body = "{\"events\":[{\"event_id\":\"" + UUID.randomUUID() + "\",\"ts\":" + System.currentTimeMillis()
                            + ",\"kind\":\"app\",\"key\":\"" + key + "\",\"duration_ms\":0}]}";
                    try {
                        long t0 = System.currentTimeMillis();
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(runtime.baseUrl() + "/api/v1/events/batch"))
                                .header("Authorization", "Bearer " + probeToken).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 202) {
                            sentAt.put(key, t0);
                        }
                        Thread.sleep(250);
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            Thread poller = Thread.ofPlatform().start(() -> {
                try (Connection c = runtime.database().connect();
                     PreparedStatement s = c.prepareStatement("SELECT key FROM usage_1m WHERE account_id = ? AND key = ANY (?)")) {
                    while (probing.get() || !sentAt.isEmpty()) {
                        if (!sentAt.isEmpty()) {
                            s.setObject(1, probeAccount);
                            Array keys = c.createArrayOf("text", sentAt.keySet().toArray());
                            s.setArray(2, keys);
                            long now = System.currentTimeMillis();
                            try (ResultSet rs = s.executeQuery()) {
                                while (rs.next()) {
                                    Long t0 = sentAt.remove(rs.getString(1));
                                    if (t0 != null) {
                                        freshness.add(now - t0);
                                    }
                                }
                            }
                        }
                        Thread.sleep(20);
                        if (!probing.get() && sentAt.values().stream().allMatch(t -> System.currentTimeMillis() - t > 60_000)) {
                            break;
                        }
                    }
                } catch (Exception e) {
                    System.err.println("freshness poller stopped: " + e);
                }
            });

            Process wrk = new ProcessBuilder("wrk", "-t2", "-c" + connections, "-d" + seconds + "s", "--timeout", "10s", "-s", script.toString(),
                    runtime.baseUrl()).redirectErrorStream(true).start();
            String out = new String(wrk.getInputStream().readAllBytes());
            wrk.waitFor();
            probing.set(false);
            prober.join();
            System.out.print(out);
            Matcher m = Pattern.compile("WRK_RESULT accepted=(\\d+) other=(\\d+)").matcher(out);
            if (!m.find()) {
                throw new IllegalStateException("wrk did not report its counts");
            }
            long clientSeen = Long.parseLong(m.group(1)) * 50;
            long otherAnswers = Long.parseLong(m.group(2));
            // What the server accepted (every 202 it sent, requests wrk cut off in flight included): the
            // counter the ingest script bumps in the same atomic step as its XADD.
            Thread.sleep(1000);
            long acceptedEvents = StackFigures.counter(runtime, "events_accepted");

            // Wait until everything accepted has been drained, then count.
            long counted = 0;
            long deadline = System.currentTimeMillis() + 300_000;
            while (System.currentTimeMillis() < deadline) {
                counted = StackFigures.counted(runtime);
                if (counted >= acceptedEvents) {
                    Thread.sleep(2000);
                    counted = StackFigures.counted(runtime);
                    break;
                }
                Thread.sleep(500);
            }
            poller.join();
            List<Long> f = new ArrayList<>(freshness);
            f.sort(null);
            long p95 = f.isEmpty() ? -1 : f.get(Math.min(f.size() - 1, (int) Math.ceil(f.size() * 0.95) - 1));
            long p50 = f.isEmpty() ? -1 : f.get(f.size() / 2);
            System.out.printf("server accepted %d events (client saw 202 for %d; %d requests answered otherwise); rollups count %d; %d probes, freshness p50=%d ms%n",
                    acceptedEvents, clientSeen, otherAnswers, counted, f.size(), p50);
            System.out.printf("e2e: events_per_s=%.0f freshness_p95_ms=%d lost=%d double_counted=%d%n",
                    clientSeen / (double) seconds, p95, Math.max(0, acceptedEvents - counted), Math.max(0, counted - acceptedEvents));
        }
    }

    /** The load: unique batch and event ids per request (random, per wrk thread), 200 device tokens in turn. */
    private static String luaScript(List<String> tokens, double delayMs) {
        StringBuilder t = new StringBuilder();
        for (String token : tokens) {
            t.append("\"").append(token).append("\",");
        }
        return """
                local tokens = {%s}
                local threads = {}
                local next_id = 1
                function setup(thread)
                  thread:set("id", next_id)
                  next_id = next_id + 1
                  table.insert(threads, thread)
                end
                function init(args)
                  math.randomseed(os.time() * 1000 + id)
                  accepted = 0
                  other = 0
                  counter = id * 7
                end
                local function hex4() return string.format("%%04x", math.random(0, 65535)) end
                local function uuid()
                  return hex4() .. hex4() .. "-" .. hex4() .. "-4" .. string.sub(hex4(), 2) .. "-a" .. string.sub(hex4(), 2) .. "-" .. hex4() .. hex4() .. hex4()
                end
                -- UUIDv7 (RFC 9562), the event ids clients are told to use: the time in milliseconds first.
                local function uuid7(ms)
                  local t = string.format("%%012x", ms)
                  return string.sub(t, 1, 8) .. "-" .. string.sub(t, 9, 12) .. "-7" .. string.sub(hex4(), 2) .. "-a" .. string.sub(hex4(), 2) .. "-" .. hex4() .. hex4() .. hex4()
                end
                function request()
                  counter = counter + 1
                  local now = os.time() * 1000
                  local events = {}
                  for i = 1, 50 do
                    events[i] = '{"event_id":"' .. uuid7(now) .. '","ts":' .. (now - math.random(0, 50000)) .. ',"kind":"app","key":"app.k' .. math.random(0, 29) .. '","duration_ms":' .. math.random(0, 5000) .. '}'
                  end
                  local body = '{"batch_id":"' .. uuid() .. '","events":[' .. table.concat(events, ",") .. ']}'
                  local token = tokens[(counter %% #tokens) + 1]
                  return wrk.format("POST", "/api/v1/events/batch", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
                end
                function delay()
                  return %s
                end
                function response(status, headers, body)
                  if status == 202 then accepted = accepted + 1 else other = other + 1 end
                end
                function done(summary, latency, requests)
                  local a, o = 0, 0
                  for _, thread in ipairs(threads) do
                    a = a + thread:get("accepted")
                    o = o + thread:get("other")
                  end
                  io.write(string.format("WRK_RESULT accepted=%%d other=%%d\\n", a, o))
                end
                """.formatted(t, delayMs <= 0 ? "0" : String.format(java.util.Locale.ROOT, "math.random(%.0f, %.0f)", delayMs * 0.5, delayMs * 1.5));
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
