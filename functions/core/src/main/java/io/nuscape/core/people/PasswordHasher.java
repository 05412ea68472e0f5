package io.nuscape.core.people;

import com.password4j.Argon2Function;
import com.password4j.Password;
import com.password4j.types.Argon2;

/**
 * People's passwords as Argon2id hashes (PHC strings, {@code $argon2id$v=19$m=..,t=..,p=..$salt$hash}) made
 * by password4j, with a random 16-byte salt each. A hash made with other parameters still verifies and
 * reports {@link #needsRehash}, so sign-in can upgrade it when the parameters change. Passwords are never
 * kept, logged or returned.
 */
public final class PasswordHasher {
    /**
     * Argon2id cost. The default, 47 104 KiB (46 MiB) and one pass, is OWASP's first recommended setting;
     * measured on this project's benchmark machine a verification costs 70 ms (p50 of 21; a Lambda function of
     * 1 024 MB gets a comparable share of a CPU), inside the 50–100 ms asked for.
     */
    public record Parameters(int memoryKib, int iterations, int parallelism) {
        public static final Parameters DEFAULT = new Parameters(47_104, 1, 1);

        public Parameters {
            if (memoryKib < 8 * parallelism || iterations < 1 || parallelism < 1) {
                throw new IllegalArgumentException("Argon2id needs memory >= 8 KiB per lane, one pass and one lane at least");
            }
        }
    }

    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;

    private final Parameters parameters;
    private final Argon2Function function;
    /**
     * Verified against when there is no hash to verify (unknown email): a hash of this hasher's parameters
     * (so it costs one computation, as a real one does) with a zero salt and a zero digest, which no password
     * produces. Written out, not computed, so the first unknown email costs no extra hash either.
     */
    private final String standIn;

    public PasswordHasher(Parameters parameters) {
        this.parameters = parameters;
        this.function = Argon2Function.getInstance(parameters.memoryKib(), parameters.iterations(), parameters.parallelism(),
                HASH_BYTES, Argon2.ID);
        java.util.Base64.Encoder b64 = java.util.Base64.getEncoder().withoutPadding();
        this.standIn = "$argon2id$v=19$m=" + parameters.memoryKib() + ",t=" + parameters.iterations() + ",p=" + parameters.parallelism()
                + "$" + b64.encodeToString(new byte[SALT_BYTES]) + "$" + b64.encodeToString(new byte[HASH_BYTES]);
    }

    public String hash(CharSequence password) {
        return Password.hash(password).addRandomSalt(SALT_BYTES).with(function).getResult();
    }

    /** False for a wrong password and for anything that is not an Argon2id PHC string (never throws for those). */
    public boolean verify(CharSequence password, String phc) {
        if (phc == null || !phc.startsWith("$argon2id$")) {
            return false;
        }
        try {
            return Password.check(password, phc).with(Argon2Function.getInstanceFromHash(phc));
        } catch (RuntimeException malformed) {
            return false;
        }
    }

    /**
     * Costs what {@link #verify} costs and answers false: for a sign-in with an unknown email, which must
     * not be told apart from a wrong password by its timing.
     */
    public boolean verifyNothing(CharSequence password) {
        verify(password, standIn);
        return false;
    }

    /** Whether a hash was made with other parameters than this hasher's (sign-in then stores a new one). */
    public boolean needsRehash(String phc) {
        String expected = "$argon2id$v=19$m=" + parameters.memoryKib() + ",t=" + parameters.iterations() + ",p=" + parameters.parallelism() + "$";
        return phc == null || !phc.startsWith(expected);
    }
}
