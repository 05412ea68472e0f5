package io.nuscape.ingest.internal;

import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import java.util.Locale;

/** The Content-Type rule of CONTRACT.md: {@code application/json}, charset UTF-8 if one is named. */
public final class MediaTypes {
    private MediaTypes() {
    }

    public static void requireJson(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            throw new ApiException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Type is missing; send application/json");
        }
        String[] parts = contentType.split(";");
        String type = parts[0].trim().toLowerCase(Locale.ROOT);
        if (!type.equals("application/json")) {
            throw new ApiException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    "Content-Type '" + type + "' is not supported; send application/json");
        }
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].trim().split("=", 2);
            if (kv.length == 2 && kv[0].trim().equalsIgnoreCase("charset")) {
                String charset = kv[1].trim().replace("\"", "").toLowerCase(Locale.ROOT);
                if (!charset.equals("utf-8") && !charset.equals("utf8")) {
                    throw new ApiException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                            "charset '" + charset + "' is not supported; send UTF-8 JSON");
                }
            }
        }
    }
}
