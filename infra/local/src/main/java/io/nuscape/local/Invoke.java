package io.nuscape.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.core.Json;
import io.nuscape.core.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * {@code scripts/invoke <LogicalId> [event.json]}: runs one function of the template once with an event
 * file, like {@code sam local invoke} without Docker, and prints its result. It uses the servers of the
 * running local stack when one is up, else starts the embedded ones on the same data for the call.
 */
public final class Invoke {
    private Invoke() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: scripts/invoke <LogicalId> [event.json]");
            System.exit(2);
        }
        Map<String, String> env = new HashMap<>(System.getenv());
        Path root = Path.of(env.getOrDefault("NUSCAPE_HOME", ".")).toAbsolutePath().normalize();
        Path dataDir = root.resolve(".local");
        SamTemplate template = SamTemplate.load(root.resolve("template.yaml"));
        SamTemplate.Function function = template.functions().get(args[0]);
        if (function == null) {
            System.err.println("no function '" + args[0] + "' in template.yaml; there are: " + template.functions().keySet());
            System.exit(2);
        }
        JsonNode event = args.length > 1 ? Json.mapper().readTree(Files.readString(Path.of(args[1]))) : Json.mapper().readTree("{}");

        LocalServers own = null;
        Thread stopOnSignal = null;
        try {
            Path runtimeFile = dataDir.resolve("runtime.json");
            JsonNode running = Files.exists(runtimeFile) ? Json.mapper().readTree(Files.readString(runtimeFile)) : null;
            if (running != null && ProcessHandle.of(running.get("pid").asLong()).map(ProcessHandle::isAlive).orElse(false)) {
                running.fields().forEachRemaining(e -> {
                    if (e.getKey().startsWith("NUSCAPE_")) {
                        env.put(e.getKey(), e.getValue().asText());
                    }
                });
                System.err.println("invoke: using the running local stack (" + running.get("base_url").asText() + ")");
            } else {
                own = LocalServers.start(dataDir, env);
                // Servers started for this call stop with it on every path: failure, Ctrl-C, SIGTERM.
                LocalServers started = own;
                stopOnSignal = new Thread(started::close, "invoke-stop-servers");
                Runtime.getRuntime().addShutdownHook(stopOnSignal);
                env.put("NUSCAPE_REDIS_URL", own.redisUrl);
                env.put("NUSCAPE_DATABASE_URL", own.database.url());
                env.put("NUSCAPE_DATABASE_USER", own.database.user());
                env.put("NUSCAPE_DATABASE_PASSWORD", own.database.password());
                new io.nuscape.postgres.Migrator(own.database).migrate();
                Path keys = dataDir.resolve("jwt-keys.json");
                if (!env.containsKey("NUSCAPE_JWT_KEYS") && Files.exists(keys)) {
                    env.put("NUSCAPE_JWT_KEYS", Files.readString(keys));
                }
                System.err.println("invoke: no local stack running; started its servers for this call");
            }
            env.remove("NUSCAPE_JWT_KEYS_SECRET_ARN");
            env.remove("NUSCAPE_DATABASE_SECRET_ARN");
            Map<String, String> merged = new HashMap<>(function.environment());
            merged.putAll(env);
            try (FunctionHost host = new FunctionHost(function, Settings.from(merged), () -> false)) {
                JsonNode result = host.invoke(event, UUID.randomUUID().toString());
                System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(result));
            }
        } finally {
            if (own != null) {
                own.close();
                Runtime.getRuntime().removeShutdownHook(stopOnSignal);
            }
        }
    }
}
