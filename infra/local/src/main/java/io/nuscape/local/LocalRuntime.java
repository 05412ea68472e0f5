package io.nuscape.local;

import io.nuscape.core.Settings;
import io.nuscape.core.auth.KeySet;
import io.nuscape.core.auth.KeySource;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.Migrator;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The whole system on one machine: servers (embedded or named), migrations, every function of
 * {@code template.yaml} with the handler class Lambda runs, HTTP routes on a local port, schedules.
 * {@link #close()} stops in the order that loses nothing: no new requests, requests in flight finish,
 * scheduled invocations (the drainer) end their cycle, then the servers stop.
 */
public final class LocalRuntime implements AutoCloseable {
    /** How to start: template, data directory, port (0 for any), the environment to honour. */
    public record Options(Path template, Path dataDir, int port, Map<String, String> env, PrintStream out) {
    }

    private final LocalServers servers;
    private final Map<String, String> baseEnv;
    private final List<FunctionHost> hosts = new ArrayList<>();
    private final List<Thread> schedulers = new ArrayList<>();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final HttpGateway gateway;
    private final PrintStream out;
    private final KeySet keys;

    private LocalRuntime(Options o) throws Exception {
        this.out = o.out();
        SamTemplate template = SamTemplate.load(o.template());
        this.servers = LocalServers.start(o.dataDir(), o.env());
        try {
            Migrator.Result migrated = new Migrator(servers.database).migrate();
            out.printf("schema: version %s (%d migrations applied now)%n", migrated.schemaVersion(), migrated.migrationsApplied());
            String keysJson = o.env().get("NUSCAPE_JWT_KEYS");
            if (keysJson == null || keysJson.isBlank()) {
                keysJson = developmentKeys(o.dataDir());
            }
            this.keys = KeySet.parse(keysJson);
            this.baseEnv = new HashMap<>();
            baseEnv.putAll(o.env());
            baseEnv.put("NUSCAPE_REDIS_URL", servers.redisUrl);
            baseEnv.put("NUSCAPE_REDIS_CLUSTER", o.env().getOrDefault("NUSCAPE_REDIS_CLUSTER", "false"));
            baseEnv.put("NUSCAPE_DATABASE_URL", servers.database.url());
            baseEnv.put("NUSCAPE_DATABASE_USER", servers.database.user());
            baseEnv.put("NUSCAPE_DATABASE_PASSWORD", servers.database.password());
            baseEnv.put("NUSCAPE_JWT_KEYS", keysJson);
            // Webhook receivers on this machine (http, loopback) are what local development needs; production refuses them.
            baseEnv.putIfAbsent("NUSCAPE_WEBHOOK_ALLOW_PRIVATE", "true");
            baseEnv.remove("NUSCAPE_JWT_KEYS_SECRET_ARN");
            baseEnv.remove("NUSCAPE_DATABASE_SECRET_ARN");
            for (SamTemplate.Function f : template.functions().values()) {
                if (f.routes().isEmpty() && f.schedules().isEmpty()) {
                    continue; // e.g. MigrateFunction: the runtime migrates itself at start
                }
                hosts.add(new FunctionHost(f, settingsFor(f), stopping::get));
            }
            this.gateway = new HttpGateway("127.0.0.1", o.port(), hosts, template.stage());
            gateway.start();
            for (FunctionHost h : hosts) {
                for (SamTemplate.Schedule s : h.function().schedules()) {
                    schedulers.add(schedule(h, s));
                }
            }
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    public static LocalRuntime start(Options options) throws Exception {
        return new LocalRuntime(options);
    }

    /** The function's settings: template literals, overridden by the caller's environment, then by this stack's servers. */
    Settings settingsFor(SamTemplate.Function f) {
        Map<String, String> env = new HashMap<>(f.environment());
        env.putAll(baseEnv);
        return Settings.from(env);
    }

    private Thread schedule(FunctionHost host, SamTemplate.Schedule s) {
        ScheduleExpression expression = ScheduleExpression.parse(s.expression());
        Thread t = Thread.ofPlatform().name("schedule-" + host.function().logicalId() + "-" + s.name()).daemon(true).start(() -> {
            // A rate fires at once and then every period; like EventBridge with reserved concurrency 1, an
            // invocation never overlaps the previous one, and one that ran late is followed at once.
            ZonedDateTime next = s.expression().startsWith("rate(") ? ZonedDateTime.now(ZoneOffset.UTC)
                    : expression.next(ZonedDateTime.now(ZoneOffset.UTC));
            while (!stopping.get()) {
                long wait = next.toInstant().toEpochMilli() - System.currentTimeMillis();
                if (wait > 0) {
                    try {
                        Thread.sleep(Math.min(wait, 500));
                    } catch (InterruptedException e) {
                        return;
                    }
                    continue;
                }
                try {
                    host.invoke(FunctionHost.EVENTS.readTree(s.input()), UUID.randomUUID().toString());
                } catch (Exception e) {
                    out.println("{\"level\":\"ERROR\",\"component\":\"local-scheduler\",\"function\":\"" + host.function().logicalId()
                            + "\",\"message\":\"invocation failed\",\"error\":" + io.nuscape.core.Json.write(String.valueOf(e)) + "}");
                }
                next = expression.next(next);
            }
        });
        return t;
    }

    /** HS256 development keys kept with the local data, made on first start. */
    private static String developmentKeys(Path dataDir) throws IOException {
        Path file = dataDir.resolve("jwt-keys.json");
        if (Files.exists(file)) {
            return Files.readString(file);
        }
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        String json = "[{\"kid\":\"local-hs256\",\"alg\":\"HS256\",\"secret\":\""
                + Base64.getUrlEncoder().withoutPadding().encodeToString(secret) + "\"}]";
        Files.writeString(file, json);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // Not a POSIX file system.
        }
        return json;
    }

    public int port() {
        return gateway.port();
    }

    public String baseUrl() {
        return "http://localhost:" + port();
    }

    public Database database() {
        return servers.database;
    }

    public String redisUrl() {
        return servers.redisUrl;
    }

    public KeySource keys() {
        return KeySource.of(keys);
    }

    public List<String> routes() {
        return gateway.routes();
    }

    /** The scheduled functions this stack runs, as "Function: expression input". */
    public List<String> schedules() {
        List<String> out = new ArrayList<>();
        for (FunctionHost h : hosts) {
            for (SamTemplate.Schedule s : h.function().schedules()) {
                out.add(h.function().logicalId() + ": " + s.expression() + " " + s.input());
            }
        }
        return out;
    }

    /** What a running stack publishes for {@code scripts/invoke}: its servers and keys. */
    public Map<String, String> connectionInfo() {
        var info = new LinkedHashMap<String, String>();
        info.put("pid", Long.toString(ProcessHandle.current().pid()));
        info.put("base_url", baseUrl());
        info.put("NUSCAPE_REDIS_URL", baseEnv.get("NUSCAPE_REDIS_URL"));
        info.put("NUSCAPE_DATABASE_URL", baseEnv.get("NUSCAPE_DATABASE_URL"));
        info.put("NUSCAPE_DATABASE_USER", baseEnv.get("NUSCAPE_DATABASE_USER"));
        info.put("NUSCAPE_DATABASE_PASSWORD", baseEnv.get("NUSCAPE_DATABASE_PASSWORD"));
        info.put("NUSCAPE_JWT_KEYS", baseEnv.get("NUSCAPE_JWT_KEYS"));
        return info;
    }

    @Override
    public void close() {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        if (gateway != null) {
            gateway.stop(10);
        }
        for (Thread t : schedulers) {
            try {
                t.join(30_000); // a drainer finishes its cycle: what it committed is acknowledged
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        hosts.forEach(FunctionHost::close);
        if (servers != null) {
            servers.close();
        }
    }
}
