package io.nuscape.migrate.internal;

import java.util.Map;
import java.util.Optional;

/**
 * The fields of a CloudFormation custom-resource request this function acts on
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html).
 */
public record CustomResourceRequest(String requestType, String responseUrl, String stackId, String requestId,
                                    String logicalResourceId, String physicalResourceId,
                                    Map<String, Object> properties, Map<String, Object> oldProperties) {

    /** Reads a request from the event Lambda hands over; absent maps become empty. */
    @SuppressWarnings("unchecked")
    public static CustomResourceRequest from(Map<String, Object> event) {
        Object props = event.get("ResourceProperties");
        Object old = event.get("OldResourceProperties");
        return new CustomResourceRequest(text(event, "RequestType"), text(event, "ResponseURL"), text(event, "StackId"),
                text(event, "RequestId"), text(event, "LogicalResourceId"), text(event, "PhysicalResourceId"),
                props instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of(),
                old instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of());
    }

    /** {@code FunctionVersion} of ResourceProperties: the MigrateFunction version the resource was deployed with. */
    public Optional<String> functionVersion() {
        return property(properties, "FunctionVersion");
    }

    /** {@code FunctionVersion} of OldResourceProperties (Update only): the version the stack had before. */
    public Optional<String> oldFunctionVersion() {
        return property(oldProperties, "FunctionVersion");
    }

    private static Optional<String> property(Map<String, Object> props, String name) {
        Object v = props.get(name);
        return v == null || String.valueOf(v).isBlank() ? Optional.empty() : Optional.of(String.valueOf(v));
    }

    private static String text(Map<String, Object> event, String field) {
        Object v = event.get(field);
        return v == null ? null : String.valueOf(v);
    }
}
