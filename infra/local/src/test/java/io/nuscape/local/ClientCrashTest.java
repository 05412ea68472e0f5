package io.nuscape.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.client.ClientConfig;
import io.nuscape.client.NuScapeClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Nothing accepted is lost" carried to the device: a client process (a child JVM) is killed with SIGKILL at
 * random points of its upload loop, 100 times, and started again each time; then the server's rollups must hold
 * exactly what was tracked, per key, events and milliseconds alike. The child uploads through a proxy that
 * delays requests and answers at random, so kills land before a batch is sent, while it is in flight, and after
 * the server accepted it but before the client recorded the answer (the restarted client sends the same batch
 * again and the server answers {@code duplicate: true}).
 */
class ClientCrashTest {
    static final int ROUNDS = 100;

    @TempDir
    static Path dir;
    static ClientTestStack stack;

    @BeforeAll
    static void start() throws Exception {
        stack = new ClientTestStack("clientcrash", dir.resolve("stack"), Map.of());
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    /** The child's configuration: small batches and a short interval, so a round of a few hundred ms sends several. */
    static ClientConfig.Builder config(Path db, URI server) {
        return ClientConfig.builder(db).serverUrl(server).batchSize(5).uploadInterval(Duration.ofMillis(50))
                .backoffBase(Duration.ofMillis(50)).backoffCap(Duration.ofMillis(500)).requestTimeout(Duration.ofSeconds(10));
    }

    static Process child(Path db, URI server, Path log) throws IOException {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        return new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m", "-Xshare:auto",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                ClientUploadProcess.class.getName(), db.toString(), server.toString())
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    @Test
    void killedHundredTimesWhileUploadingTheServerCountsExactlyWhatWasTracked() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Path db = dir.resolve("client.db");
        Path log = dir.resolve("children.log");
        Map<String, long[]> tracked = new TreeMap<>();
        String deviceId;
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(stack.url())) {
            proxy.jitterMillis = 25;
            try (NuScapeClient client = NuScapeClient.open(config(db, proxy.url()).autoUpload(false).build())) {
                deviceId = client.enroll(stack.enrollmentCode(), "crash-test", "linux");
            }
            int killedInFlight = 0;
            int killedBeforeReady = 0;
            long started = System.nanoTime();
            for (int round = 0; round < ROUNDS; round++) {
                // The parent tracks (it is never killed), so what was tracked is known exactly.
                try (NuScapeClient client = NuScapeClient.open(config(db, proxy.url()).autoUpload(false).build())) {
                    int n = 5 + random.nextInt(21);
                    for (int i = 0; i < n; i++) {
                        String key = "crash.k" + random.nextInt(8);
                        long duration = 1 + random.nextInt(60_000);
                        client.track("app", key, Instant.now().minusMillis(random.nextInt(3_000_000)), Duration.ofMillis(duration));
                        long[] t = tracked.computeIfAbsent("app/" + key, k -> new long[2]);
                        t[0]++;
                        t[1] += duration;
                    }
                    client.close(Duration.ZERO);
                }
                Process p = child(db, proxy.url(), log);
                boolean beforeReady = random.nextInt(10) == 0;
                if (beforeReady) {
                    // Now and then die while the client opens its database (or before).
                    Thread.sleep(random.nextInt(400));
                    killedBeforeReady++;
                } else {
                    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                    String line = CompletableFuture.supplyAsync(() -> {
                        try {
                            return out.readLine();
                        } catch (IOException e) {
                            return null;
                        }
                    }).get(30, TimeUnit.SECONDS);
                    assertEquals("ready", line, "the child started (see " + log + ")");
                    Thread.sleep(random.nextInt(300));
                }
                if (proxy.inFlight.get() > 0) {
                    killedInFlight++;
                }
                p.destroyForcibly(); // SIGKILL on Linux
                assertTrue(p.waitFor(10, TimeUnit.SECONDS));
                assertEquals(137, p.exitValue(), "killed by SIGKILL");
            }
            long killingMs = (System.nanoTime() - started) / 1_000_000;

            // The last start: run until everything is sent.
            try (NuScapeClient client = NuScapeClient.open(config(db, proxy.url()).build())) {
                assertTrue(client.flush(Duration.ofSeconds(60)), "the queue empties: " + client.status());
                assertEquals(0, client.status().deadLetters(), "nothing was refused");
            }
            List<FaultInjectingProxy.Exchange> exchanges = proxy.exchanges();
            long duplicates = exchanges.stream().filter(FaultInjectingProxy.Exchange::duplicateAnswer).count();
            long total = tracked.values().stream().mapToLong(t -> t[0]).sum();
            Map<String, long[]> counted = stack.awaitCounted(deviceId, tracked, Duration.ofSeconds(60));
            System.out.printf("client crash test (seed %d): %d rounds in %d ms, %d events tracked, %d ingest requests, %d kills with a request"
                            + " in flight, %d before the client was ready, %d answers duplicate:true%n",
                    seed, ROUNDS, killingMs, total, exchanges.size(), killedInFlight, killedBeforeReady, duplicates);
            assertEquals(ClientTestStack.describe(tracked), ClientTestStack.describe(counted), "per key: events and milliseconds");
            assertTrue(killedInFlight >= 5, "kills landed while requests were in flight: " + killedInFlight);
            assertTrue(duplicates >= 1, "some kills landed after the server accepted a batch and before the client knew: " + duplicates);
            List<String> retried = new ArrayList<>();
            for (FaultInjectingProxy.Exchange e : exchanges) {
                if (e.duplicateAnswer()) {
                    retried.add(e.batchId());
                }
            }
            assertTrue(retried.stream().allMatch(id -> exchanges.stream().filter(e -> id.equals(e.batchId())).count() >= 2),
                    "a duplicate answer is always the repeat of a batch sent before under the same id");
        }
    }
}
