package io.nuscape.api.resource;

import static io.nuscape.api.internal.Requests.integer;
import static io.nuscape.api.internal.Requests.json;
import static io.nuscape.api.internal.Requests.principal;
import static io.nuscape.api.internal.Requests.time;

import io.nuscape.api.RequiresScope;
import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import io.nuscape.core.audit.AuditEntry;
import io.nuscape.core.audit.AuditLog;
import io.nuscape.core.auth.Scope;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The account's audit log (admin), newest first: by default the last 30 days, at most {@code limit} entries. */
@Path("/api/v1/audit")
public final class AuditResource {
    private final AuditLog log;
    private final Clock clock;

    public AuditResource(AuditLog log, Clock clock) {
        this.log = log;
        this.clock = clock;
    }

    @GET
    @RequiresScope(Scope.ADMIN)
    public Response entries(@Context ContainerRequestContext request, @QueryParam("from") String fromText, @QueryParam("to") String toText,
                            @QueryParam("limit") String limitText) throws Exception {
        Instant to = toText == null ? clock.instant().plusMillis(1) : time("to", toText);
        Instant from = fromText == null ? to.minus(Duration.ofDays(30)) : time("from", fromText);
        if (!to.isAfter(from)) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"to\" must be after \"from\"");
        }
        int limit = integer("limit", limitText, 200, 1, 1000);
        List<AuditEntry> found = log.entries(principal(request).accountId(), from, to, limit + 1);
        List<Map<String, Object>> entries = new ArrayList<>();
        for (AuditEntry e : found.subList(0, Math.min(limit, found.size()))) {
            var item = new LinkedHashMap<String, Object>();
            item.put("at", e.at().toString());
            item.put("actor", e.actor());
            item.put("action", e.action());
            item.put("target", e.target());
            entries.add(item);
        }
        var out = new LinkedHashMap<String, Object>();
        out.put("entries", entries);
        // More than the limit: ask again with "to" set to the last entry's "at".
        out.put("truncated", found.size() > limit);
        return json(200, out);
    }
}
