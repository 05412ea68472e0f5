package io.nuscape.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Servers an earlier local stack left running because it was killed hard ({@code kill -9}, a closed
 * terminal): its Postgres (found by the data directory's {@code postmaster.pid}) and redis-server (by
 * {@code redis.pid}). They hold the data directory, so a new stack stops them first, cleanly (Postgres
 * fast shutdown, Redis SIGTERM, which syncs its append-only file), and says so. A pid that is no longer
 * that server (reused by another process) is left alone.
 */
final class Leftovers {
    private static final Duration STOP_WAIT = Duration.ofSeconds(30);

    private Leftovers() {
    }

    static void stopPostgres(Path dataDirectory) throws IOException {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        Optional<ProcessHandle> server = running(pidFile, "postgres");
        if (server.isPresent()) {
            // SIGINT is Postgres' fast shutdown: open transactions roll back, everything committed stays.
            stop(server.get(), "INT", "Postgres", pidFile);
        }
    }

    static void stopRedis(Path pidFile) throws IOException {
        Optional<ProcessHandle> server = running(pidFile, "redis-server");
        if (server.isPresent()) {
            stop(server.get(), "TERM", "redis-server", pidFile);
        }
    }

    /** The process named by the pid file's first line, if it is alive and is the program named. */
    static Optional<ProcessHandle> running(Path pidFile, String program) throws IOException {
        if (!Files.isRegularFile(pidFile)) {
            return Optional.empty();
        }
        String first = Files.readAllLines(pidFile).stream().findFirst().orElse("").strip();
        long pid;
        try {
            pid = Long.parseLong(first);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.contains(program)).orElse(false)
                        || p.info().commandLine().map(c -> c.contains(program)).orElse(false));
    }

    private static void stop(ProcessHandle process, String signal, String what, Path pidFile) throws IOException {
        System.out.println("local stack: " + what + " (pid " + process.pid() + ") was left running by an earlier stack that "
                + "did not stop cleanly; stopping it (" + pidFile + ")");
        try {
            int exit = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start().waitFor();
            if (exit != 0 && process.isAlive()) {
                throw new IOException("cannot signal " + what + " pid " + process.pid() + "; stop it yourself: kill -" + signal + " " + process.pid());
            }
            ProcessHandle after = process.onExit()
                    .completeOnTimeout(process, STOP_WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).join();
            if (!after.isAlive()) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new IOException(what + " pid " + process.pid() + " did not stop within " + STOP_WAIT.toSeconds()
                + " s; stop it yourself (kill -" + signal + " " + process.pid() + "), then start again");
    }
}
