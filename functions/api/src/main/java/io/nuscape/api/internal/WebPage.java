package io.nuscape.api.internal;

import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import jakarta.ws.rs.core.Response;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPOutputStream;

/**
 * The dashboard's files: a fixed list of names (nothing else of the class path is ever served), each read
 * once, kept with its gzip form and an ETag, and answered with the headers a page needs to be safe: a strict
 * Content-Security-Policy (scripts and styles of this origin only, no framing), no sniffing, no referrer.
 * Files are revalidated on every load ({@code no-cache} with an ETag), so a deploy is seen at once.
 */
public final class WebPage {
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self';"
            + " form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    private static final String PAGE = "/io/nuscape/api/page/";

    private record Source(String location, String contentType) {
    }

    private record Body(byte[] plain, byte[] gzip, String digest, String contentType) {
    }

    private final Map<String, Source> sources;
    private final Map<String, Body> loaded = new ConcurrentHashMap<>();

    public WebPage() {
        String uplot = "/META-INF/resources/webjars/uplot/" + webjarVersion("uplot") + "/dist/";
        this.sources = Map.of(
                "index.html", new Source(PAGE + "index.html", "text/html; charset=utf-8"),
                "app.js", new Source(PAGE + "app.js", "text/javascript; charset=utf-8"),
                "app.css", new Source(PAGE + "app.css", "text/css; charset=utf-8"),
                "uPlot.min.js", new Source(uplot + "uPlot.iife.min.js", "text/javascript; charset=utf-8"),
                "uPlot.min.css", new Source(uplot + "uPlot.min.css", "text/css; charset=utf-8"));
    }

    /**
     * The named file, gzipped when the client takes gzip; 304 when its ETag is the one the client holds; 404 for
     * any other name. {@code basePath} (the stage in front of the routes, checked by {@link SessionCookie#basePath})
     * is written into the page's links, so that {@code /prod} and {@code /prod/} both load it whole.
     */
    public Response answer(String name, String basePath, String acceptEncoding, String ifNoneMatch) {
        Source source = sources.get(name);
        if (source == null) {
            throw new ApiException(ErrorCode.NOT_FOUND, "no such route or resource");
        }
        String base = name.equals("index.html") ? basePath : "";
        Body body = loaded.computeIfAbsent(name + base, n -> load(source, base));
        boolean gzip = takesGzip(acceptEncoding);
        // Each encoding has its own ETag (a strong ETag names one representation's bytes).
        String etag = "\"" + body.digest() + (gzip ? "-gz" : "") + "\"";
        Response.ResponseBuilder r;
        if (ifNoneMatch != null && ifNoneMatch.contains(etag)) {
            r = Response.notModified();
        } else {
            r = Response.ok(gzip ? body.gzip() : body.plain()).type(body.contentType());
            if (gzip) {
                r.header("Content-Encoding", "gzip");
            }
        }
        r.header("ETag", etag)
                .header("Cache-Control", "no-cache")
                .header("Vary", "Accept-Encoding")
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer");
        if (name.equals("index.html")) {
            r.header("Content-Security-Policy", CSP).header("X-Frame-Options", "DENY");
        }
        return r.build();
    }

    /** The bytes a first load transfers, gzipped: what the page's 300 KB budget counts. */
    public long compressedSize() {
        long total = 0;
        for (var e : sources.entrySet()) {
            total += loaded.computeIfAbsent(e.getKey(), n -> load(e.getValue(), "")).gzip().length;
        }
        return total;
    }

    static boolean takesGzip(String acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        for (String part : acceptEncoding.toLowerCase(Locale.ROOT).split(",")) {
            String[] p = part.strip().split(";");
            if (p[0].strip().equals("gzip")) {
                for (int i = 1; i < p.length; i++) {
                    String param = p[i].replace(" ", "");
                    if (param.startsWith("q=")) {
                        try {
                            return Double.parseDouble(param.substring(2)) > 0;
                        } catch (NumberFormatException e) {
                            return false;
                        }
                    }
                }
                return true;
            }
        }
        return false;
    }

    private static Body load(Source source, String base) {
        try (InputStream in = WebPage.class.getResourceAsStream(source.location())) {
            if (in == null) {
                throw new IllegalStateException("the dashboard file " + source.location() + " is missing from the class path");
            }
            byte[] plain = in.readAllBytes();
            if (source.location().endsWith(".html")) {
                plain = new String(plain, StandardCharsets.UTF_8).replace("{{base}}", base).getBytes(StandardCharsets.UTF_8);
            }
            ByteArrayOutputStream gz = new ByteArrayOutputStream(plain.length / 3 + 64);
            try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
                out.write(plain);
            }
            String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(plain), 0, 16);
            return new Body(plain, gz.toByteArray(), digest, source.contentType());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The version of a WebJar on the class path, from its Maven metadata: the pom pins it, the code does not repeat it. */
    private static String webjarVersion(String artifact) {
        try (InputStream in = WebPage.class.getResourceAsStream("/META-INF/maven/org.webjars.npm/" + artifact + "/pom.properties")) {
            if (in == null) {
                throw new IllegalStateException("the WebJar " + artifact + " is missing from the class path");
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
