package io.nuscape.local;

import io.nuscape.core.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;

/**
 * {@code scripts/local-up}: starts the local stack, prints where it listens, the demo tokens and curl
 * commands, then runs until Ctrl-C (SIGINT) or SIGTERM, which stop it cleanly.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> env = System.getenv();
        int port = Integer.parseInt(env.getOrDefault("NUSCAPE_PORT", "3000"));
        Path root = Path.of(env.getOrDefault("NUSCAPE_HOME", ".")).toAbsolutePath().normalize();
        Path dataDir = root.resolve(".local");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--data-dir" -> dataDir = Path.of(args[++i]).toAbsolutePath();
                case "-h", "--help" -> {
                    System.out.println("usage: scripts/local-up [--port N] [--data-dir DIR]   (NUSCAPE_PORT, NUSCAPE_* honoured)");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; see --help");
            }
        }
        Path runningFile = dataDir.resolve("runtime.json");
        if (Files.exists(runningFile)) {
            long pid = Json.mapper().readTree(Files.readString(runningFile)).path("pid").asLong(-1);
            if (pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                System.err.println("scripts/local-up: a local stack already runs on " + dataDir + " (pid " + pid + ", "
                        + Json.mapper().readTree(Files.readString(runningFile)).path("base_url").asText() + "); stop it with "
                        + "'kill " + pid + "' (it stops cleanly), or start this one with --data-dir elsewhere");
                System.exit(1);
            }
        }
        System.out.println("NuScape local stack: starting (data in " + dataDir + ")");
        LocalRuntime runtime = LocalRuntime.start(new LocalRuntime.Options(root.resolve("template.yaml"), dataDir, port, env, System.out));
        CountDownLatch stopped = new CountDownLatch(1);
        Path runtimeFile = dataDir.resolve("runtime.json");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("NuScape local stack: stopping (requests in flight finish, the drainer ends its cycle)");
            runtime.close();
            try {
                Files.deleteIfExists(runtimeFile);
            } catch (IOException ignored) {
                // Leaving a stale file is harmless: scripts/invoke checks the pid.
            }
            System.out.println("NuScape local stack: stopped");
            stopped.countDown();
        }, "local-stack-shutdown"));
        Files.writeString(runtimeFile, Json.write(runtime.connectionInfo()));

        DemoData demo = DemoData.ensure(dataDir, runtime.database(), runtime.keys(),
                env.getOrDefault("NUSCAPE_JWT_ISSUER", "nuscape"), env.getOrDefault("NUSCAPE_JWT_AUDIENCE", "nuscape"));
        String url = runtime.baseUrl();
        System.out.println();
        System.out.println("NuScape local stack listening on " + url);
        runtime.routes().forEach(r -> System.out.println("  " + r));
        runtime.schedules().forEach(s -> System.out.println("  scheduled " + s));
        System.out.println("Postgres: " + runtime.database().url() + " (user " + runtime.database().user() + ")");
        System.out.println("Redis:    " + runtime.redisUrl());
        System.out.println();
        System.out.println("Demo account " + demo.accountId() + ", device " + demo.deviceId());
        System.out.println("Dashboard: open " + url + "/ in a browser and sign in as " + demo.adminEmail() + " with password "
                + demo.adminPassword());
        System.out.println("ADMIN_TOKEN=" + demo.adminToken());
        System.out.println("DEVICE_TOKEN=" + demo.deviceToken());
        System.out.println();
        System.out.println("Ingest a batch (run it twice: the second answer says \"duplicate\": true):");
        String body = "{\"batch_id\":\"" + UUID.nameUUIDFromBytes(demo.deviceId().toString().getBytes()) + "\",\"events\":[{\"event_id\":\""
                + io.nuscape.core.event.EventIds.v7(System.currentTimeMillis()) + "\",\"ts\":\"" + Instant.now() + "\",\"kind\":\"app\","
                + "\"key\":\"com.android.chrome\",\"duration_ms\":60000}]}";
        System.out.println("  curl -sS -X POST " + url + "/api/v1/events/batch -H 'Authorization: Bearer " + demo.deviceToken()
                + "' -H 'Content-Type: application/json' -d '" + body + "'");
        System.out.println("Read it back from the rollups (a second or two later):");
        System.out.println("  curl -sS '" + url + "/api/v1/usage/top?kind=app' -H 'Authorization: Bearer " + demo.adminToken() + "'");
        System.out.println("  curl -sS '" + url + "/api/v1/devices' -H 'Authorization: Bearer " + demo.adminToken() + "'");
        System.out.println("Sign in as a person (an access token for 15 minutes; the refresh cookie goes to cookies.txt):");
        System.out.println("  curl -sS -c cookies.txt -X POST " + url + "/api/v1/sessions -H 'Content-Type: application/json' -d '{\"email\":\""
                + demo.adminEmail() + "\",\"password\":\"" + demo.adminPassword() + "\"}'");
        System.out.println();
        System.out.println("Ctrl-C stops everything cleanly.");
        stopped.await();
    }
}
