package io.nuscape.api.internal;

import io.nuscape.api.Public;
import io.nuscape.api.RequiresScope;
import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import io.nuscape.core.auth.Principal;
import io.nuscape.core.auth.TokenRejectedException;
import io.nuscape.core.auth.TokenVerifier;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import java.lang.reflect.Method;

/**
 * The one place authentication and scope are checked: every resource method is either {@link Public}
 * or carries {@link RequiresScope}; a method with neither is refused, so a forgotten annotation fails closed.
 */
@Priority(Priorities.AUTHENTICATION)
public final class AuthenticationFilter implements ContainerRequestFilter {
    public static final String PRINCIPAL = "nuscape.principal";

    private final TokenVerifier verifier;

    @Context
    private ResourceInfo resource;

    public AuthenticationFilter(TokenVerifier verifier) {
        this.verifier = verifier;
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
        Principal principal;
        try {
            principal = verifier.verifyAuthorization(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        } catch (TokenRejectedException e) {
            throw new ApiException(ErrorCode.INVALID_TOKEN, e.getMessage());
        }
        if (!principal.has(required.value())) {
            throw new ApiException(ErrorCode.INSUFFICIENT_SCOPE, "this route needs the '" + required.value().claimValue() + "' scope");
        }
        request.setProperty(PRINCIPAL, principal);
    }
}
