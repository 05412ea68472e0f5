package io.nuscape.migrate;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.nuscape.core.Settings;
import io.nuscape.core.StructuredLog;
import io.nuscape.core.internal.SecretsClient;
import io.nuscape.migrate.internal.CustomResourceRequest;
import io.nuscape.migrate.internal.CustomResourceResponse;
import io.nuscape.migrate.internal.FunctionVersions;
import io.nuscape.migrate.internal.ResponseSender;
import io.nuscape.migrate.internal.SchemaMigrationResource;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.Migrator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * MigrateFunction: brings the database to the current schema. As the {@code SchemaMigration} CloudFormation
 * custom resource it migrates on Create and Update, keeps the schema on Delete, skips requests whose
 * {@code FunctionVersion} is older than the running version (a rollback: see
 * {@link SchemaMigrationResource}), and always answers the stack with a body CloudFormation accepts.
 * Invoked directly it migrates and returns what it did.
 */
public final class MigrationHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private final Supplier<Migrator> migrator;
    private final StructuredLog log;
    private final ResponseSender sender;
    private final String environmentVersion;

    public MigrationHandler() {
        this(Settings.fromEnvironment());
    }

    public MigrationHandler(Settings settings) {
        this(() -> new Migrator(Database.fromSettings(settings, () -> SecretsClient.create(settings))),
                new StructuredLog("migrate", settings.logLevel()));
    }

    public MigrationHandler(Supplier<Migrator> migrator, StructuredLog log) {
        this(migrator, log, new ResponseSender(log), System.getenv("AWS_LAMBDA_FUNCTION_VERSION"));
    }

    /** @param environmentVersion what Lambda's {@code AWS_LAMBDA_FUNCTION_VERSION} says (null off Lambda) */
    public MigrationHandler(Supplier<Migrator> migrator, StructuredLog log, ResponseSender sender, String environmentVersion) {
        this.migrator = migrator;
        this.log = log;
        this.sender = sender;
        this.environmentVersion = environmentVersion;
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        String requestId = context == null ? null : context.getAwsRequestId();
        if (event == null || event.get("ResponseURL") == null) {
            return migrate(requestId);
        }
        CustomResourceRequest request = CustomResourceRequest.from(event);
        Optional<String> running = FunctionVersions.running(environmentVersion,
                context == null ? null : context.getInvokedFunctionArn());
        CustomResourceResponse response = new SchemaMigrationResource(() -> migrate(requestId)).handle(request, running);

        var fields = new LinkedHashMap<String, Object>();
        fields.put("request_id", String.valueOf(requestId));
        fields.put("request_type", String.valueOf(request.requestType()));
        fields.put("stack_id", String.valueOf(request.stackId()));
        fields.put("cloudformation_request_id", String.valueOf(request.requestId()));
        fields.put("function_version", running.orElse("unknown"));
        fields.put("deployed_version", request.functionVersion().orElse("unknown"));
        fields.put("status", response.status());
        fields.put("reason", String.valueOf(response.reason()));
        log.info("custom resource answered", fields);
        sender.send(request.responseUrl(), response.toJson(), fields);

        var result = new LinkedHashMap<String, Object>(response.data());
        result.put("Status", response.status());
        if (response.reason() != null) {
            result.put("Reason", response.reason());
        }
        return result;
    }

    private Map<String, Object> migrate(String requestId) {
        try {
            Migrator.Result r = migrator.get().migrate();
            log.info("migrated", Map.of("request_id", String.valueOf(requestId), "applied", r.migrationsApplied(),
                    "schema_version", String.valueOf(r.schemaVersion()), "partitions_created", r.partitionsCreated()));
            var m = new LinkedHashMap<String, Object>();
            m.put("migrations_applied", r.migrationsApplied());
            m.put("schema_version", r.schemaVersion());
            m.put("partitions_created", r.partitionsCreated());
            return m;
        } catch (Exception e) {
            log.error("migration failed", Map.of("request_id", String.valueOf(requestId), "reason", String.valueOf(e.getMessage())));
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
