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
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Nothing accepted is lost" carried to the device: a client process (a child JVM) is killed with SIGKILL at
 * random points of its upload loop and of its own {@code track} calls, 100 times, and started again each time;
 * then the server's rollups are checked event by event (each event has its own key): an event whose
 * {@code track} returned is counted exactly once with its duration, the one a kill may have cut inside
 * {@code track} at most once, and nothing else is counted. The child uploads through a proxy that
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

    static Process child(Path db, URI server, String keyPrefix, Path log) throws IOException {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        return new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m", "-Xshare:auto",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                ClientUploadProcess.class.getName(), db.toString(), server.toString(), keyPrefix)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    @Test
    void killedHundredTimesWhileUploadingTheServerCountsExactlyWhatWasTracked() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Path db = dir.resolve("client.db");
        Path log = dir.resolve("children.log");
        // Every event has its own key: what was acknowledged (track returned) must be counted exactly once.
        Map<String, long[]> tracked = new TreeMap<>();
        // The event a kill may have cut inside the child's track (at most one per round): counted at most once.
        Set<String> maybeTracked = new TreeSet<>();
        String deviceId;
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(stack.url())) {
            proxy.jitterMillis = 25;
            try (NuScapeClient client = NuScapeClient.open(config(db, proxy.url()).autoUpload(false).build())) {
                deviceId = client.enroll(stack.enrollmentCode(), "crash-test", "linux");
            }
            int killedInFlight = 0;
            int childTracked = 0;
            int killedBeforeReady = 0;
            long started = System.nanoTime();
            for (int round = 0; round < ROUNDS; round++) {
                // The parent tracks too (it is never killed): events queued before the child starts.
                try (NuScapeClient client = NuScapeClient.open(config(db, proxy.url()).autoUpload(false).build())) {
                    int n = 5 + random.nextInt(21);
                    for (int i = 0; i < n; i++) {
                        String key = "crash.p" + round + "." + i;
                        long duration = 1 + random.nextInt(60_000);
                        client.track("app", key, Instant.now().minusMillis(random.nextInt(3_000_000)), Duration.ofMillis(duration));
                        tracked.put("app/" + key, new long[] {1, duration});
                    }
                    client.close(Duration.ZERO);
                }
                String prefix = "crash.c" + round;
                Process p = child(db, proxy.url(), prefix, log);
                List<String> lines = Collections.synchronizedList(new ArrayList<>());
                CountDownLatch ready = new CountDownLatch(1);
                Thread reader = new Thread(() -> {
                    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line; (line = out.readLine()) != null; ) {
                            if (line.equals("ready")) {
                                ready.countDown();
                            } else {
                                lines.add(line);
                            }
                        }
                    } catch (IOException e) {
                        // The pipe closes with the child: what was read is what the child acknowledged.
                    }
                }, "child-output");
                reader.start();
                boolean beforeReady = random.nextInt(10) == 0;
                if (beforeReady) {
                    // Now and then die while the client opens its database (or before).
                    Thread.sleep(random.nextInt(400));
                    killedBeforeReady++;
                } else {
                    assertTrue(ready.await(30, TimeUnit.SECONDS), "the child started (see " + log + ")");
                    Thread.sleep(random.nextInt(300));
                }
                // Sampled before the kill, so only a hint of where kills landed: reported, not asserted.
                if (proxy.inFlight.get() > 0) {
                    killedInFlight++;
                }
                p.destroyForcibly(); // SIGKILL on Linux
                assertTrue(p.waitFor(10, TimeUnit.SECONDS));
                assertEquals(137, p.exitValue(), "killed by SIGKILL");
                reader.join(10_000);
                int acknowledged = 0;
                synchronized (lines) {
                    for (String line : lines) {
                        String[] f = line.split(" ");
                        // A line the kill cut short is not an acknowledgement: its event is the one that may be counted.
                        if (f.length == 4 && f[0].equals("tracked") && f[3].equals(".")) {
                            assertEquals(prefix + "." + acknowledged, f[1], "the child tracks its keys in order");
                            tracked.put("app/" + f[1], new long[] {1, Long.parseLong(f[2])});
                            acknowledged++;
                        }
                    }
                }
                childTracked += acknowledged;
                maybeTracked.add("app/" + prefix + "." + acknowledged);
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
            // Not awaitCounted: events cut inside track may be counted too, so the counts need not equal what was acknowledged.
            Map<String, long[]> counted = stack.counted(deviceId);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!tracked.entrySet().stream().allMatch(e -> counted.containsKey(e.getKey()) && Arrays.equals(counted.get(e.getKey()), e.getValue()))
                    && System.nanoTime() < deadline) {
                Thread.sleep(200);
                counted.clear();
                counted.putAll(stack.counted(deviceId));
            }
            Thread.sleep(1500); // then a moment more: nothing may arrive late
            counted.clear();
            counted.putAll(stack.counted(deviceId));
            String summary = String.format("client crash test (seed %d): %d rounds in %d ms, %d events acknowledged (%d by the child), %d"
                            + " ingest requests, about %d kills with a request in flight, %d before the client was ready, %d answers duplicate:true",
                    seed, ROUNDS, killingMs, total, childTracked, exchanges.size(), killedInFlight, killedBeforeReady, duplicates);
            System.out.println(summary);
            List<String> wrong = new ArrayList<>();
            for (Map.Entry<String, long[]> e : tracked.entrySet()) {
                long[] c = counted.get(e.getKey());
                if (c == null || !Arrays.equals(c, e.getValue())) {
                    wrong.add(e.getKey() + ": tracked " + Arrays.toString(e.getValue()) + ", counted " + (c == null ? "nothing" : Arrays.toString(c)));
                }
            }
            int cutInTrack = 0;
            for (Map.Entry<String, long[]> e : counted.entrySet()) {
                if (tracked.containsKey(e.getKey())) {
                    continue;
                }
                if (maybeTracked.contains(e.getKey()) && e.getValue()[0] == 1) {
                    cutInTrack++; // killed after the event was written but before track's answer was printed
                } else {
                    wrong.add(e.getKey() + ": never acknowledged, counted " + Arrays.toString(e.getValue()));
                }
            }
            assertEquals(List.of(), wrong, "each acknowledged event exactly once, an unacknowledged one at most once; " + summary);
            System.out.println("client crash test: " + cutInTrack + " events whose track was cut by the kill were written and counted once");
            assertTrue(childTracked > ROUNDS, "the child tracked while it was killed: " + summary);
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
