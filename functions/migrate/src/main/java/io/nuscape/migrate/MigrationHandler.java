package io.nuscape.migrate;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.nuscape.core.Json;
import io.nuscape.core.Settings;
import io.nuscape.core.StructuredLog;
import io.nuscape.core.internal.SecretsClient;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.Migrator;
import java.io.IOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * MigrateFunction: brings the database to the current schema. As a CloudFormation custom resource it
 * migrates on Create and Update (never drops anything on Delete) and always answers the stack, FAILED
 * with the reason when migration fails, so a deployment never hangs waiting. Invoked directly it migrates
 * and returns what it did.
 */
public final class MigrationHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private final Supplier<Migrator> migrator;
    private final StructuredLog log;

    public MigrationHandler() {
        this(Settings.fromEnvironment());
    }

    public MigrationHandler(Settings settings) {
        this(() -> new Migrator(Database.fromSettings(settings, () -> SecretsClient.create(settings))),
                new StructuredLog("migrate", settings.logLevel()));
    }

    public MigrationHandler(Supplier<Migrator> migrator, StructuredLog log) {
        this.migrator = migrator;
        this.log = log;
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        String requestId = context == null ? null : context.getAwsRequestId();
        Object responseUrl = event == null ? null : event.get("ResponseURL");
        if (responseUrl == null) {
            Migrator.Result r = migrateOrThrow(requestId);
            return describe(r);
        }
        return customResource(event, (String) responseUrl, requestId);
    }

    private Map<String, Object> customResource(Map<String, Object> event, String responseUrl, String requestId) {
        String type = String.valueOf(event.get("RequestType"));
        var response = new LinkedHashMap<String, Object>();
        response.put("StackId", event.get("StackId"));
        response.put("RequestId", event.get("RequestId"));
        response.put("LogicalResourceId", event.get("LogicalResourceId"));
        Object physical = event.get("PhysicalResourceId");
        response.put("PhysicalResourceId", physical != null ? physical : "nuscape-schema");
        try {
            if (type.equals("Delete")) {
                response.put("Status", "SUCCESS");
                response.put("Reason", "schema kept: deleting the stack never drops data");
            } else {
                Migrator.Result r = migrateOrThrow(requestId);
                response.put("Status", "SUCCESS");
                response.put("Data", describe(r));
            }
        } catch (RuntimeException e) {
            response.put("Status", "FAILED");
            response.put("Reason", "migration failed: " + e.getMessage() + " (see the MigrateFunction log)");
        }
        send(responseUrl, Json.write(response));
        return response;
    }

    private Migrator.Result migrateOrThrow(String requestId) {
        try {
            Migrator.Result r = migrator.get().migrate();
            log.info("migrated", Map.of("request_id", String.valueOf(requestId), "applied", r.migrationsApplied(),
                    "schema_version", String.valueOf(r.schemaVersion()), "partitions_created", r.partitionsCreated()));
            return r;
        } catch (Exception e) {
            log.error("migration failed", Map.of("request_id", String.valueOf(requestId), "reason", String.valueOf(e.getMessage())));
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private static Map<String, Object> describe(Migrator.Result r) {
        var m = new LinkedHashMap<String, Object>();
        m.put("migrations_applied", r.migrationsApplied());
        m.put("schema_version", r.schemaVersion());
        m.put("partitions_created", r.partitionsCreated());
        return m;
    }

    /** The custom-resource answer: a PUT of the JSON to the pre-signed URL, with no content type (S3 signs none). */
    private void send(String url, String body) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            c.setRequestMethod("PUT");
            c.setDoOutput(true);
            c.setConnectTimeout(10_000);
            c.setReadTimeout(30_000);
            c.setRequestProperty("Content-Type", "");
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            c.setFixedLengthStreamingMode(bytes.length);
            try (OutputStream out = c.getOutputStream()) {
                out.write(bytes);
            }
            int status = c.getResponseCode();
            if (status / 100 != 2) {
                log.error("custom resource answer refused", Map.of("status", status));
            }
        } catch (IOException e) {
            log.error("cannot answer the custom resource", Map.of("reason", String.valueOf(e.getMessage())));
        }
    }
}
