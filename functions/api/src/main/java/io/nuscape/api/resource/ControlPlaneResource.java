package io.nuscape.api.resource;

import static io.nuscape.api.internal.Requests.change;
import static io.nuscape.api.internal.Requests.id;
import static io.nuscape.api.internal.Requests.json;
import static io.nuscape.api.internal.Requests.notFound;
import static io.nuscape.api.internal.Requests.object;
import static io.nuscape.api.internal.Requests.principal;
import static io.nuscape.api.internal.Requests.text;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.api.Public;
import io.nuscape.api.RequiresScope;
import io.nuscape.api.internal.InvitationLinks;
import io.nuscape.api.internal.QrCodeImage;
import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import io.nuscape.core.Json;
import io.nuscape.core.auth.Principal;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.TokenIssuer;
import io.nuscape.core.control.Account;
import io.nuscape.core.control.ControlPlaneStore;
import io.nuscape.core.control.Device;
import io.nuscape.core.control.EnrollmentCode;
import io.nuscape.core.control.Erasure;
import io.nuscape.core.control.Policy;
import io.nuscape.core.control.RetentionLimits;
import io.nuscape.core.people.Invitations;
import io.nuscape.core.people.Role;
import io.nuscape.core.people.GuessThrottle;
import io.nuscape.core.rollup.Granularity;
import io.nuscape.core.queue.ControlPlaneCache;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The control plane of CONTRACT.md: accounts (operator, with an invitation for the first admin); devices,
 * tokens, erasure requests, enrollment codes and policy (admin; listing devices needs read); devices
 * enrolling with a code and renewing their own tokens. Changes that ingest must see without Postgres are written to the
 * Redis cache right after Postgres: token generations, revocations, rate limits.
 */
@Path("/api/v1")
public final class ControlPlaneResource {
    private static final Set<String> PLATFORMS = Set.of("windows", "android", "ios", "macos", "linux", "web", "other");

    private final ControlPlaneStore store;
    private final RetentionLimits retentionLimits;
    private final ControlPlaneCache cache;
    private final TokenIssuer issuer;
    private final Duration tokenLifetime;
    private final Invitations invitations;
    private final InvitationLinks links;
    private final GuessThrottle guesses;
    private final Duration codeLifetime;
    private final Clock clock;

    /**
     * @param guesses       counts enrollment-code attempts per client address
     * @param codeLifetime  how long an enrollment code works
     */
    public ControlPlaneResource(ControlPlaneStore store, ControlPlaneCache cache, TokenIssuer issuer, Duration tokenLifetime,
                                RetentionLimits retentionLimits, Invitations invitations, InvitationLinks links, GuessThrottle guesses,
                                Duration codeLifetime, Clock clock) {
        this.store = store;
        this.retentionLimits = retentionLimits;
        this.cache = cache;
        this.issuer = issuer;
        this.tokenLifetime = tokenLifetime;
        this.invitations = invitations;
        this.links = links;
        this.guesses = guesses;
        this.codeLifetime = codeLifetime;
        this.clock = clock;
    }

    @POST
    @Path("/accounts")
    @RequiresScope(Scope.OPERATOR)
    public Response createAccount(@Context ContainerRequestContext request, String body) throws Exception {
        Principal p = principal(request);
        JsonNode b = object(body);
        String name = text(b, "name", 200);
        JsonNode adminEmail = b.get("admin_email");
        if (adminEmail != null && !adminEmail.isNull()) {
            invitations.requireFree(adminEmail.asText(""));
        }
        Account a = store.createAccount(name, change(request, clock));
        var out = new LinkedHashMap<String, Object>();
        out.put("account_id", a.accountId().toString());
        out.put("name", a.name());
        out.put("created_at", a.createdAt().toString());
        if (adminEmail != null && !adminEmail.isNull()) {
            out.put("invitation", links.describe(request, invitations.invite(a.accountId(), adminEmail.asText(), Role.ADMIN, p.actor())));
        }
        return json(201, out);
    }

    @GET
    @Path("/devices")
    @RequiresScope(Scope.READ)
    public Response devices(@Context ContainerRequestContext request) throws Exception {
        Principal p = principal(request);
        Instant now = clock.instant();
        List<Map<String, Object>> items = new ArrayList<>();
        for (Device d : store.devices(p.accountId())) {
            var item = new LinkedHashMap<String, Object>();
            item.put("device_id", d.deviceId().toString());
            item.put("name", d.name());
            item.put("platform", d.platform());
            item.put("enrolled_at", d.enrolledAt().toString());
            item.put("last_seen_at", d.lastSeenAt() == null ? null : d.lastSeenAt().toString());
            item.put("status", d.status(now));
            // A device being erased counts in no profile any more (profiles leave it out), though its row keeps the
            // id until the erasure completes.
            boolean counted = d.revokedAt() == null && d.erasedAt() == null;
            item.put("profile_id", d.profileId() == null || !counted ? null : d.profileId().toString());
            items.add(item);
        }
        return json(200, Map.of("devices", items));
    }

    @POST
    @Path("/devices")
    @RequiresScope(Scope.ADMIN)
    public Response enroll(@Context ContainerRequestContext request, String body) throws Exception {
        Principal p = principal(request);
        JsonNode b = object(body);
        String name = text(b, "name", 200);
        String platform = platform(b);
        Device d = store.enrollDevice(p.accountId(), name, platform, change(request, clock));
        var out = new LinkedHashMap<String, Object>();
        out.put("device_id", d.deviceId().toString());
        out.putAll(token(p.accountId(), d.deviceId(), d.tokenGeneration()));
        return json(201, out);
    }

    @POST
    @Path("/devices/{id}/token")
    @RequiresScope(Scope.ADMIN)
    public Response rotate(@Context ContainerRequestContext request, @PathParam("id") String id) throws Exception {
        Principal p = principal(request);
        UUID device = id(id);
        long generation = store.rotateToken(p.accountId(), device, change(request, clock)).orElseThrow(() -> notFound());
        // From here on ingest refuses every token of a lower generation, without reading Postgres.
        cache.setMinimumTokenGeneration(p.accountId(), device, generation);
        return json(201, token(p.accountId(), device, generation));
    }

    @DELETE
    @Path("/devices/{id}")
    @RequiresScope(Scope.ADMIN)
    public Response erase(@Context ContainerRequestContext request, @PathParam("id") String id) throws Exception {
        Principal p = principal(request);
        UUID device = id(id);
        Erasure e = store.requestErasure(p.accountId(), device, change(request, clock)).orElseThrow(() -> notFound());
        cache.markErased(p.accountId(), device);
        var out = new LinkedHashMap<String, Object>();
        out.put("erasure_id", e.erasureId().toString());
        out.put("status", e.status());
        return json(202, out);
    }

    @GET
    @Path("/erasures/{id}")
    @RequiresScope(Scope.ADMIN)
    public Response erasure(@Context ContainerRequestContext request, @PathParam("id") String id) throws Exception {
        Erasure e = store.erasure(principal(request).accountId(), id(id)).orElseThrow(() -> notFound());
        var out = new LinkedHashMap<String, Object>();
        out.put("erasure_id", e.erasureId().toString());
        out.put("device_id", e.deviceId().toString());
        out.put("status", e.status());
        out.put("requested_at", e.requestedAt().toString());
        out.put("completed_at", e.completedAt() == null ? null : e.completedAt().toString());
        return json(200, out);
    }

    @GET
    @Path("/policy")
    @RequiresScope(Scope.ADMIN)
    public Response policy(@Context ContainerRequestContext request) throws Exception {
        return json(200, describe(store.policy(principal(request).accountId())));
    }

    @PUT
    @Path("/policy")
    @RequiresScope(Scope.ADMIN)
    public Response putPolicy(@Context ContainerRequestContext request, String body) throws Exception {
        Principal p = principal(request);
        JsonNode b = object(body);
        // The quota fields came after v1: a body without them (an older client) leaves them as they are.
        Policy current = b.has("monthly_event_quota") && b.has("quota_mode") ? Policy.DEFAULTS : store.policy(p.accountId());
        Policy policy = new Policy(days(b, Granularity.MINUTE), days(b, Granularity.FIVE_MINUTES), days(b, Granularity.HOUR), rate(b),
                b.has("monthly_event_quota") ? quota(b) : current.monthlyEventQuota(),
                b.has("quota_mode") ? quotaMode(b) : current.quotaMode());
        if (policy.retentionDays1m() > policy.retentionDays5m() || policy.retentionDays5m() > policy.retentionDays60m()) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "retention must not shrink with coarser granularity (1m <= 5m <= 60m)");
        }
        Policy saved = store.putPolicy(p.accountId(), policy, change(request, clock));
        cache.setIngestLimits(io.nuscape.core.control.AccountIngestLimits.of(p.accountId(), saved));
        return json(200, describe(saved));
    }

    @POST
    @Path("/enrollment-codes")
    @RequiresScope(Scope.ADMIN)
    public Response enrollmentCode(@Context ContainerRequestContext request, String body) throws Exception {
        Principal p = principal(request);
        JsonNode b = body == null || body.isBlank() ? Json.mapper().createObjectNode() : object(body);
        UUID profile = profileId(b);
        EnrollmentCode code = EnrollmentCode.generate(clock.instant().plus(codeLifetime));
        store.createEnrollmentCode(p.accountId(), EnrollmentCode.hash(code.code()).orElseThrow(), profile, code.expiresAt(),
                change(request, clock));
        var out = new LinkedHashMap<String, Object>();
        out.put("code", code.code());
        out.put("expires_at", code.expiresAt().toString());
        // What a device app scans instead of typing: where to enroll and with which code.
        String uri = "nuscape://enroll?api=" + URLEncoder.encode(links.dashboardUrl(request), StandardCharsets.UTF_8)
                + "&code=" + URLEncoder.encode(code.code(), StandardCharsets.UTF_8);
        out.put("enroll_uri", uri);
        out.put("qr_svg", QrCodeImage.svg(uri));
        return json(201, out);
    }

    /** A device enrolling itself with a code an admin gave; wrong codes count against the client address. */
    @POST
    @Path("/enroll")
    @Public
    public Response enrollWithCode(@Context HttpServletRequest http, String body) throws Exception {
        JsonNode b = object(body);
        String typed = text(b, "code", 32);
        String name = text(b, "name", 200);
        String platform = platform(b);
        String address = http.getRemoteAddr();
        Optional<Duration> wait = guesses.reserve(null, address);
        if (wait.isPresent()) {
            throw GuessThrottle.refusal(wait.get(), "wrong enrollment codes from this address");
        }
        Optional<byte[]> hash = EnrollmentCode.hash(typed);
        Optional<Device> d = hash.isEmpty() ? Optional.empty() : store.enrollWithCode(hash.get(), name, platform, clock.instant());
        if (d.isPresent()) {
            guesses.succeeded(null, address);
        } else {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "the enrollment code is wrong, used or expired; ask an admin of the account for a new one");
        }
        var out = new LinkedHashMap<String, Object>();
        out.put("device_id", d.get().deviceId().toString());
        out.putAll(token(d.get().accountId(), d.get().deviceId(), d.get().tokenGeneration()));
        return json(201, out);
    }

    /** A device renewing its own token before it expires; the token it used stops working as with rotation. */
    @POST
    @Path("/devices/self/token")
    @RequiresScope(Scope.INGEST)
    public Response renew(@Context ContainerRequestContext request) throws Exception {
        Principal p = principal(request);
        UUID device = UUID.fromString(p.subject()); // the verifier checked that ingest tokens name a device by UUID
        long generation = store.renewToken(p.accountId(), device, p.tokenGeneration(), change(request, clock)).orElseThrow(() ->
                new ApiException(ErrorCode.DEVICE_REVOKED, "this device was erased or this token was replaced; enroll the device again"));
        cache.setMinimumTokenGeneration(p.accountId(), device, generation);
        return json(201, token(p.accountId(), device, generation));
    }

    /** An admin renaming a device or moving it to a profile ({@code "profile_id": null}: out of any). */
    @PATCH
    @Path("/devices/{id}")
    @RequiresScope(Scope.ADMIN)
    public Response updateDevice(@Context ContainerRequestContext request, @PathParam("id") String id, String body) throws Exception {
        Principal p = principal(request);
        UUID device = id(id);
        JsonNode b = object(body);
        String name = b.has("name") ? text(b, "name", 200) : null;
        boolean assign = b.has("profile_id");
        if (name == null && !assign) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "send \"name\", \"profile_id\" or both");
        }
        Device d = store.updateDevice(p.accountId(), device, new ControlPlaneStore.DevicePatch(name, assign, assign ? profileId(b) : null),
                change(request, clock)).orElseThrow(() -> notFound());
        var out = new LinkedHashMap<String, Object>();
        out.put("device_id", d.deviceId().toString());
        out.put("name", d.name());
        out.put("platform", d.platform());
        out.put("profile_id", d.profileId() == null ? null : d.profileId().toString());
        return json(200, out);
    }

    /** An optional "profile_id": null or absent for none, else a UUID (whose account the store checks). */
    private static UUID profileId(JsonNode b) {
        JsonNode v = b.get("profile_id");
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual() || !io.nuscape.core.auth.Uuids.isCanonical(v.asText())) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"profile_id\" must be a profile's id (a UUID) or null");
        }
        return UUID.fromString(v.asText());
    }

    private static String platform(JsonNode b) {
        String platform = text(b, "platform", 50).toLowerCase(java.util.Locale.ROOT);
        if (!PLATFORMS.contains(platform)) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"platform\" must be one of " + new java.util.TreeSet<>(PLATFORMS));
        }
        return platform;
    }

    private Map<String, Object> token(UUID account, UUID device, long generation) {
        Instant now = clock.instant();
        var out = new LinkedHashMap<String, Object>();
        out.put("token", issuer.issue(account, device.toString(), Set.of(Scope.INGEST), generation, now, tokenLifetime));
        out.put("expires_at", now.plus(tokenLifetime).toString());
        return out;
    }

    private static Map<String, Object> describe(Policy p) {
        var out = new LinkedHashMap<String, Object>();
        out.put("retention_days_1m", p.retentionDays1m());
        out.put("retention_days_5m", p.retentionDays5m());
        out.put("retention_days_60m", p.retentionDays60m());
        out.put("rate_limit_events_per_minute", p.rateLimitEventsPerMinute());
        out.put("monthly_event_quota", p.monthlyEventQuota());
        out.put("quota_mode", p.quotaMode().text());
        return out;
    }

    private int days(JsonNode b, Granularity g) {
        String field = "retention_days_" + g.label();
        int max = retentionLimits.maxDays(g);
        JsonNode v = b.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 1 || v.asInt() > max) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"" + field + "\" must be an integer from 1 to " + max
                    + " (the platform's longest retention for " + g.label() + " rollups)");
        }
        return v.asInt();
    }

    private static Long quota(JsonNode b) {
        return nullableCount(b, "monthly_event_quota", 1_000_000_000_000L, "null (no quota)");
    }

    private static io.nuscape.core.control.QuotaMode quotaMode(JsonNode b) {
        JsonNode v = b.get("quota_mode");
        return io.nuscape.core.control.QuotaMode.parse(v != null && v.isTextual() ? v.asText() : null)
                .orElseThrow(() -> new ApiException(ErrorCode.INVALID_REQUEST, "\"quota_mode\" must be \"soft\" (alerts only) or \"hard\" (alerts, and ingest answers 429 until the month ends)"));
    }

    private static Long rate(JsonNode b) {
        return nullableCount(b, "rate_limit_events_per_minute", 1_000_000_000L, "null");
    }

    /** An optional non-negative integer field: absent or null gives null. */
    private static Long nullableCount(JsonNode b, String field, long max, String nullMeans) {
        JsonNode v = b.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0 || v.asLong() > max) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"" + field + "\" must be " + nullMeans + " or an integer from 0 to " + max);
        }
        return v.asLong();
    }
}
