package io.nuscape.migrate.internal;

import io.nuscape.core.Json;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answer CloudFormation waits for. CloudFormation rejects a body over 4096 bytes ("The total size of the
 * response body can't exceed 4096 bytes",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html), and a rejected
 * answer is no answer: the stack waits out the resource's timeout. So {@link #toJson()} always fits,
 * shortening the Reason (Flyway's messages quote whole SQL statements) and, if need be, dropping Data.
 */
public record CustomResourceResponse(String status, String reason, String physicalResourceId, String stackId,
                                     String requestId, String logicalResourceId, Map<String, Object> data) {
    /** CloudFormation's limit on the whole response body, in bytes. */
    public static final int MAX_BODY_BYTES = 4096;
    static final String ELLIPSIS = "…";

    public static CustomResourceResponse success(CustomResourceRequest request, String physicalId, String reason,
                                                 Map<String, Object> data) {
        return new CustomResourceResponse("SUCCESS", reason, physicalId, request.stackId(), request.requestId(),
                request.logicalResourceId(), data);
    }

    public static CustomResourceResponse failed(CustomResourceRequest request, String physicalId, String reason) {
        return new CustomResourceResponse("FAILED", reason, physicalId, request.stackId(), request.requestId(),
                request.logicalResourceId(), Map.of());
    }

    /** The JSON body, at most {@link #MAX_BODY_BYTES} bytes of UTF-8. */
    public String toJson() {
        String json = write(reason, data);
        if (bytes(json) <= MAX_BODY_BYTES) {
            return json;
        }
        Map<String, Object> dataNow = data;
        if (bytes(write("", data)) > MAX_BODY_BYTES) {
            dataNow = Map.of(); // Data is only informative; the Reason says what happened
        }
        if (bytes(write("", dataNow)) > MAX_BODY_BYTES) {
            throw new IllegalStateException("custom resource answer over " + MAX_BODY_BYTES
                    + " bytes without Reason and Data: the request's ids are too long");
        }
        // The longest prefix of the Reason that fits; how many bytes a character takes depends on how the
        // JSON writer escapes it, so each candidate is measured as written.
        int fits = 0;
        int tooLong = reason.length();
        while (tooLong - fits > 1) {
            int mid = (fits + tooLong) >>> 1;
            if (bytes(write(cut(reason, mid), dataNow)) <= MAX_BODY_BYTES) {
                fits = mid;
            } else {
                tooLong = mid;
            }
        }
        return write(cut(reason, fits), dataNow);
    }

    private static String cut(String reason, int keep) {
        if (keep > 0 && Character.isHighSurrogate(reason.charAt(keep - 1))) {
            keep--; // never split a surrogate pair: half a character is not valid UTF-8
        }
        return reason.substring(0, keep) + ELLIPSIS;
    }

    private String write(String reasonNow, Map<String, Object> dataNow) {
        var m = new LinkedHashMap<String, Object>();
        m.put("Status", status);
        if (reasonNow != null) {
            m.put("Reason", reasonNow);
        }
        m.put("PhysicalResourceId", physicalResourceId);
        m.put("StackId", stackId);
        m.put("RequestId", requestId);
        m.put("LogicalResourceId", logicalResourceId);
        if (dataNow != null && !dataNow.isEmpty()) {
            m.put("Data", dataNow);
        }
        return Json.write(m);
    }

    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
