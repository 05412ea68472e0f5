package io.nuscape.api.internal;

import io.nuscape.api.Public;
import io.nuscape.api.RequiresScope;
import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import io.nuscape.core.auth.Principal;
import io.nuscape.core.auth.TokenRejectedException;
import io.nuscape.core.auth.TokenVerifier;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.Uuids;
import io.nuscape.core.people.ApiKeys;
import io.nuscape.core.people.Role;
import io.nuscape.core.people.User;
import io.nuscape.core.people.UserStore;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import java.lang.reflect.Method;
import java.util.Optional;
import java.util.UUID;

/**
 * The one place authentication and scope are checked, for JWTs and API keys ({@code nsk_…}) alike: every resource method is either {@link Public}
 * or carries {@link RequiresScope}; a method with neither is refused, so a forgotten annotation fails closed.
 */
@Priority(Priorities.AUTHENTICATION)
public final class AuthenticationFilter implements ContainerRequestFilter {
    public static final String PRINCIPAL = "nuscape.principal";

    private static final String BEARER = "Bearer ";
    private static final String USER = "user:";

    private final TokenVerifier verifier;
    private final ApiKeys apiKeys;
    private final UserStore users;

    @Context
    private ResourceInfo resource;

    public AuthenticationFilter(TokenVerifier verifier, ApiKeys apiKeys, UserStore users) {
        this.verifier = verifier;
        this.apiKeys = apiKeys;
        this.users = users;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        Method method = resource.getResourceMethod();
        if (method == null || method.isAnnotationPresent(Public.class)) {
            return;
        }
        RequiresScope required = method.getAnnotation(RequiresScope.class);
        if (required == null) {
            throw new ApiException(ErrorCode.INTERNAL, "route has no access rule");
        }
        String authorization = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        String key = apiKey(authorization);
        Principal principal;
        try {
            principal = key != null ? apiKeys.authenticate(key) : verifier.verifyAuthorization(authorization);
        } catch (TokenRejectedException e) {
            throw new ApiException(ErrorCode.INVALID_TOKEN, e.getMessage());
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new StoreFailure(e);
        }
        if (!principal.has(required.value())) {
            throw new ApiException(ErrorCode.INSUFFICIENT_SCOPE, "this route needs the '" + required.value().claimValue() + "' scope");
        }
        if (required.value() == Scope.ADMIN && principal.subject().startsWith(USER)) {
            requireStillAdmin(principal);
        }
        request.setProperty(PRINCIPAL, principal);
    }

    /**
     * A person's admin powers are checked against the user as it is now: a demoted or removed admin's access
     * token (valid up to 15 minutes more) must not invite, mint keys or promote itself back. Reads keep
     * trusting the token until it expires, as the contract says.
     */
    private void requireStillAdmin(Principal principal) {
        String id = principal.subject().substring(USER.length());
        Optional<User> user;
        try {
            user = Uuids.isCanonical(id) ? users.user(principal.accountId(), UUID.fromString(id)) : Optional.empty();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new StoreFailure(e);
        }
        if (user.isEmpty()) {
            throw new ApiException(ErrorCode.INVALID_TOKEN, "this user no longer exists in the account");
        }
        if (user.get().role() != Role.ADMIN) {
            throw new ApiException(ErrorCode.INSUFFICIENT_SCOPE, "this user is no longer an admin of the account");
        }
    }

    /** The key store failed (Postgres unreachable, say); the error mapper answers for the cause. */
    static final class StoreFailure extends RuntimeException {
        StoreFailure(Exception cause) {
            super(cause);
        }
    }

    /** The API key of a {@code Bearer nsk_…} header, else null (a JWT or nothing). */
    private static String apiKey(String authorization) {
        if (authorization == null) {
            return null;
        }
        String value = authorization.strip();
        if (value.length() <= BEARER.length() || !value.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        String bearer = value.substring(BEARER.length()).strip();
        return ApiKeys.looksLikeKey(bearer) ? bearer : null;
    }
}
