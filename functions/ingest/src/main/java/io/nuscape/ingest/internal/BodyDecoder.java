package io.nuscape.ingest.internal;

import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * Undoes {@code Content-Encoding} and enforces the body limit on the decoded size. A gzip body is inflated
 * only up to one byte past the limit, so a compression bomb costs at most the limit in memory and time.
 */
public final class BodyDecoder {
    private BodyDecoder() {
    }

    public static byte[] decode(byte[] raw, String contentEncoding, int limit) {
        String encoding = contentEncoding == null ? "" : contentEncoding.trim().toLowerCase(Locale.ROOT);
        if (raw.length > limit) {
            throw tooLarge(limit);
        }
        return switch (encoding) {
            case "", "identity" -> raw;
            case "gzip", "x-gzip" -> gunzip(raw, limit);
            default -> throw new ApiException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    "Content-Encoding '" + encoding + "' is not supported; send gzip or no encoding");
        };
    }

    private static byte[] gunzip(byte[] raw, int limit) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw), 8192)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, raw.length * 8 + 64));
            byte[] buffer = new byte[16384];
            int total = 0;
            int n;
            while ((n = in.read(buffer)) > 0) {
                total += n;
                if (total > limit) {
                    throw tooLarge(limit);
                }
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "body is not valid gzip although Content-Encoding says gzip");
        }
    }

    public static ApiException tooLarge(int limit) {
        return new ApiException(ErrorCode.PAYLOAD_TOO_LARGE,
                "body is over " + limit + " bytes of JSON (after decompression); send fewer events per batch");
    }
}
