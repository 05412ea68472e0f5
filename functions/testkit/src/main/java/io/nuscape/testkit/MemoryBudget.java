package io.nuscape.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Holds a running Postgres server to a memory budget, page cache included, with a cgroup (v1 memory
 * controller or cgroup v2, whichever this machine mounts; root only): a benchmark whose data outgrows the
 * budget then reads from disk as a sized production database would, instead of from a host's spare RAM.
 * The server's processes move into the cgroup, and the backends it forks later are born there.
 */
public final class MemoryBudget implements AutoCloseable {
    private final Path group;
    private final long bytes;

    private MemoryBudget(Path group, long bytes) {
        this.group = group;
        this.bytes = bytes;
    }

    /** Moves the server behind {@code c} (its postmaster and every child) into a new cgroup of {@code megabytes}. */
    public static MemoryBudget apply(Connection c, long megabytes) throws SQLException {
        long postmaster = postmasterPid(c);
        long bytes = megabytes * 1024 * 1024;
        String name = "nuscape-bench-" + ProcessHandle.current().pid();
        try {
            Path v1 = Path.of("/sys/fs/cgroup/memory");
            Path group;
            Path procs;
            if (Files.isDirectory(v1) && Files.exists(v1.resolve("memory.limit_in_bytes"))) {
                group = Files.createDirectories(v1.resolve(name));
                try {
                    // Charges the pages the processes already hold to the new group as well; newer kernels
                    // refuse it (deprecated), and the page cache is dropped below anyway.
                    Files.writeString(group.resolve("memory.move_charge_at_immigrate"), "3");
                } catch (IOException refused) {
                    // see above
                }
                Files.writeString(group.resolve("memory.limit_in_bytes"), Long.toString(bytes));
                procs = group.resolve("cgroup.procs");
            } else {
                Path v2 = Path.of("/sys/fs/cgroup");
                group = Files.createDirectories(v2.resolve(name));
                Files.writeString(group.resolve("memory.max"), Long.toString(bytes));
                procs = group.resolve("cgroup.procs");
            }
            List<Long> pids = new ArrayList<>();
            pids.add(postmaster);
            ProcessHandle.of(postmaster).orElseThrow(() -> new IllegalStateException("no postmaster process " + postmaster))
                    .descendants().forEach(p -> pids.add(p.pid()));
            for (long pid : pids) {
                Files.writeString(procs, Long.toString(pid));
            }
            // The page cache Postgres' files already hold (e.g. after a prefill) is dropped, so that the
            // measured run starts from the budget, not from what the host happened to keep.
            dropHostPageCache();
            return new MemoryBudget(group, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot hold Postgres to " + megabytes + " MB with a cgroup (this needs root and a"
                    + " writable /sys/fs/cgroup): " + e.getMessage(), e);
        }
    }

    /** What the group holds now, as the kernel counts it. */
    public long usedBytes() {
        for (String file : new String[] {"memory.usage_in_bytes", "memory.current"}) {
            Path p = group.resolve(file);
            if (Files.exists(p)) {
                try {
                    return Long.parseLong(Files.readString(p).trim());
                } catch (IOException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    public long limitBytes() {
        return bytes;
    }

    private static long postmasterPid(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW data_directory")) {
            rs.next();
            String first = Files.readAllLines(Path.of(rs.getString(1), "postmaster.pid")).get(0).trim();
            return Long.parseLong(first);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void dropHostPageCache() {
        try {
            new ProcessBuilder("sync").inheritIO().start().waitFor();
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "1");
        } catch (IOException | InterruptedException e) {
            // Not fatal: the budget still caps what the server can hold from here on.
        }
    }

    /** Removes the group once its processes are gone (after the server stopped); says so when it cannot. */
    @Override
    public void close() {
        IOException last = null;
        for (int i = 0; i < 100; i++) {
            try {
                Files.delete(group); // rmdir: refused while a process of the server is still exiting
                return;
            } catch (IOException e) {
                last = e;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        System.err.println("memory budget: could not remove " + group + " (" + last + "); rmdir it once empty");
    }
}
