package io.nuscape.api.internal;

import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import io.nuscape.core.Json;
import io.nuscape.core.StructuredLog;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.Map;

/** Every failure as CONTRACT.md's {@code {"error", "message"}} body; unexpected ones are logged, never shown. */
public final class ErrorMapper implements ExceptionMapper<Throwable> {
    private final StructuredLog log;

    public ErrorMapper(StructuredLog log) {
        this.log = log;
    }

    @Override
    public Response toResponse(Throwable e) {
        if (e instanceof AuthenticationFilter.StoreFailure f) {
            return toResponse(f.getCause());
        }
        ApiException api = switch (e) {
            case ApiException a -> a;
            case NotFoundException n -> new ApiException(ErrorCode.NOT_FOUND, "no such route or resource");
            case NotAllowedException n -> new ApiException(ErrorCode.METHOD_NOT_ALLOWED, "this route does not take that method");
            case WebApplicationException w when w.getResponse().getStatus() == 415 ->
                    new ApiException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "send application/json");
            case WebApplicationException w when w.getResponse().getStatus() < 500 ->
                    new ApiException(ErrorCode.INVALID_REQUEST, "the request is not valid for this route");
            case io.nuscape.core.queue.QueueUnavailableException q -> unavailable(q);
            // A session ended by a failover or the server (57P01…) is as retryable as one never opened (08…).
            case java.sql.SQLException s when io.nuscape.postgres.Database.unavailable(s) -> unavailable(s);
            default -> {
                log.error("unexpected failure", Map.of("error", e.getClass().getName(), "reason", String.valueOf(e.getMessage())));
                yield new ApiException(ErrorCode.INTERNAL, "internal error");
            }
        };
        Response.ResponseBuilder r = Response.status(api.error().status())
                .type("application/json; charset=utf-8")
                .entity(Json.error(api.error(), api.getMessage()));
        api.headers().forEach(r::header);
        return r.build();
    }

    private ApiException unavailable(Exception e) {
        log.error("backend unavailable", Map.of("reason", String.valueOf(e.getMessage())));
        return ApiException.retryLater(ErrorCode.UNAVAILABLE, "a backend is unreachable; retry later", 5);
    }
}
