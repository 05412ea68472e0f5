package io.nuscape.migrate.internal;

import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What the {@code SchemaMigration} custom resource does for each request, apart from how it is received
 * and answered. Create and Update migrate; Delete keeps the schema (deleting the stack never drops data).
 *
 * <p>The version guard: ResourceProperties carry {@code FunctionVersion}, the MigrateFunction version the
 * resource was deployed with. On a rollback CloudFormation sends an Update with the <em>old</em>
 * properties; when the code answering is newer than those properties, migrating again would fail again
 * (the migration that broke the deploy) and the rollback would fail too. Since migrations are forward-only
 * and older code tolerates a newer schema (Flyway ignores applied migrations it does not know, its default
 * {@code ignoreMigrationPatterns} being {@code *:future}), such a request is answered SUCCESS without
 * touching the database. Code older than the properties (the deploy expects migrations this code does not
 * have) answers FAILED: claiming success would leave newer functions on an older schema.
 */
public final class SchemaMigrationResource {
    /** The physical id of the one schema a stack has; kept on every later answer. */
    public static final String PHYSICAL_ID = "nuscape-schema";

    private final Supplier<Map<String, Object>> migration;

    /** @param migration migrates and describes what it did; throws with the reason when it fails */
    public SchemaMigrationResource(Supplier<Map<String, Object>> migration) {
        this.migration = migration;
    }

    /** The answer to one request, given the MigrateFunction version that is running (if known). */
    public CustomResourceResponse handle(CustomResourceRequest request, Optional<String> runningVersion) {
        String physicalId = request.physicalResourceId() != null ? request.physicalResourceId() : PHYSICAL_ID;
        String type = String.valueOf(request.requestType());
        if (type.equals("Delete")) {
            return CustomResourceResponse.success(request, physicalId, "schema kept: deleting the stack never drops data", Map.of());
        }
        if (!type.equals("Create") && !type.equals("Update")) {
            return CustomResourceResponse.failed(request, physicalId, "unknown RequestType " + type);
        }
        Optional<String> deployed = request.functionVersion().map(FunctionVersions::named);
        if (deployed.isPresent() && runningVersion.isPresent()) {
            String d = deployed.get();
            String running = runningVersion.get();
            Optional<Integer> order = FunctionVersions.compare(d, running);
            if (order.isPresent() && order.get() > 0) {
                return CustomResourceResponse.failed(request, physicalId, "MigrateFunction version " + running
                        + " answered a resource deployed with version " + d + ": it lacks that version's migrations;"
                        + " the SchemaMigration ServiceToken must invoke the version it is deployed with");
            }
            if (order.isEmpty() || order.get() < 0) {
                return CustomResourceResponse.success(request, physicalId, notMigrated(request, d, running),
                        Map.of("migrated", false));
            }
        }
        try {
            return CustomResourceResponse.success(request, physicalId, null, migration.get());
        } catch (RuntimeException e) {
            return CustomResourceResponse.failed(request, physicalId,
                    "migration failed: " + e.getMessage() + " (see the MigrateFunction log)");
        }
    }

    private static String notMigrated(CustomResourceRequest request, String deployed, String running) {
        String why = "migrations are forward-only and the older code tolerates a newer schema";
        Optional<String> old = request.oldFunctionVersion().map(FunctionVersions::named);
        if (request.requestType().equals("Update") && old.isPresent()
                && FunctionVersions.compare(old.get(), deployed).filter(c -> c > 0).isPresent()) {
            return "rollback from MigrateFunction version " + old.get() + " to " + deployed
                    + ": not migrated by version " + running + "; " + why;
        }
        return "stale caller: the resource names MigrateFunction version " + deployed + " but version " + running
                + " answered; not migrated; " + why;
    }
}
