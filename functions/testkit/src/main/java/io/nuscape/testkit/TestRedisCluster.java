package io.nuscape.testkit;

import io.nuscape.testkit.internal.RespClient;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Redis Cluster on loopback: 3 masters with one replica each, six redis-server child processes
 * (the embedded-redis package's binary, or one on the PATH), formed from Java with CLUSTER commands since
 * no redis-cli ships with that binary. Each node keeps its files in a temporary directory that
 * {@link #close()} removes after stopping every process (a JVM shutdown hook does the same).
 *
 * <p>Helpers reproduce what production clusters do under us: {@link #killMasterOf} SIGKILLs a master and
 * waits until its replica has taken over; {@link #migrateSlot} moves one slot to another master while
 * clients keep using it (the steps of {@code redis-cli --cluster reshard}).
 */
public final class TestRedisCluster implements AutoCloseable {
    /** Short, so that a failover takes seconds: a replica starts an election after this much silence. */
    private static final int NODE_TIMEOUT_MS = 1000;
    private static final int SLOTS = 16384;
    private static final int MASTERS = 3;

    private final Path dir;
    private final List<Node> nodes = new ArrayList<>();
    private final Thread shutdownHook = new Thread(this::stopAll);

    /** One redis-server process; {@code id} is its cluster node id. */
    public static final class Node {
        private final int port;
        private volatile Process process;
        private String id;

        Node(int port, Process process) {
            this.port = port;
            this.process = process;
        }

        public int port() {
            return port;
        }

        public String id() {
            return id;
        }

        public boolean alive() {
            return process.isAlive();
        }
    }

    private TestRedisCluster(Path dir) {
        this.dir = dir;
    }

    /** Starts six nodes, assigns all slots to three masters, gives each a replica, waits until all agree. */
    public static TestRedisCluster start() {
        TestRedisCluster c;
        try {
            c = new TestRedisCluster(Files.createTempDirectory("nuscape-redis-cluster"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtime.getRuntime().addShutdownHook(c.shutdownHook);
        try {
            c.form();
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** A seed URL for a cluster client (any node will do: clients discover the rest). */
    public String url() {
        Node seed = nodes.stream().filter(Node::alive).findFirst().orElseThrow();
        return "redis://127.0.0.1:" + seed.port;
    }

    private void form() {
        for (int i = 0; i < 2 * MASTERS; i++) {
            int port = clusterPort();
            nodes.add(new Node(port, startProcess(port)));
        }
        for (Node n : nodes) {
            FreePort.awaitListening(n.port, Duration.ofSeconds(10));
            try (RespClient r = new RespClient(n.port)) {
                n.id = r.text("CLUSTER", "MYID");
            }
        }
        // Distinct epochs up front, as redis-cli does, instead of waiting for the collision handling.
        for (int i = 0; i < MASTERS; i++) {
            try (RespClient r = new RespClient(nodes.get(i).port)) {
                r.call("CLUSTER", "SET-CONFIG-EPOCH", i + 1);
            }
        }
        for (int i = 0; i < MASTERS; i++) {
            int from = i * SLOTS / MASTERS;
            int to = (i + 1) * SLOTS / MASTERS - 1;
            try (RespClient r = new RespClient(nodes.get(i).port)) {
                // ADDSLOTSRANGE is Redis 7.0; ADDSLOTS takes a list, sent in chunks.
                for (int start = from; start <= to; start += 1000) {
                    List<Object> args = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
                    for (int s = start; s <= Math.min(to, start + 999); s++) {
                        args.add(s);
                    }
                    r.call(args.toArray());
                }
            }
        }
        try (RespClient r = new RespClient(nodes.get(0).port)) {
            for (Node n : nodes.subList(1, nodes.size())) {
                r.call("CLUSTER", "MEET", "127.0.0.1", n.port);
            }
        }
        await("every node to know all six", Duration.ofSeconds(30), () -> nodes.stream().allMatch(n -> {
            List<String> lines = clusterNodes(n);
            return lines.size() == nodes.size() && lines.stream().noneMatch(l -> l.contains("handshake"));
        }));
        for (int i = 0; i < MASTERS; i++) {
            try (RespClient r = new RespClient(nodes.get(MASTERS + i).port)) {
                r.call("CLUSTER", "REPLICATE", nodes.get(i).id);
            }
        }
        await("every master to have its replica", Duration.ofSeconds(60), () -> {
            for (Node m : nodes.subList(0, MASTERS)) {
                try (RespClient r = new RespClient(m.port)) {
                    if (!r.text("INFO", "replication").contains("connected_slaves:1")) {
                        return false;
                    }
                }
            }
            return true;
        });
        awaitHealthy(Duration.ofSeconds(60));
    }

    private final String binary = RedisBinary.path();

    private Process startProcess(int port) {
        Path nodeDir = dir.resolve(Integer.toString(port));
        try {
            Files.createDirectories(nodeDir);
            return new ProcessBuilder(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--dir", nodeDir.toString(), "--cluster-enabled", "yes",
                    "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", Integer.toString(NODE_TIMEOUT_MS),
                    // A replica may always take over, however long it was cut off: tests kill masters at will.
                    "--cluster-replica-validity-factor", "0",
                    "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(nodeDir.resolve("redis.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start redis-server on port " + port, e);
        }
    }

    /** A free port whose cluster bus port (port + 10000, fixed in Redis 6.2) is free too. */
    private static int clusterPort() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int p = FreePort.pick();
            if (p + 10000 < 65536 && free(p + 10000)) {
                return p;
            }
        }
        throw new IllegalStateException("no free port pair for a cluster node");
    }

    private static boolean free(int port) {
        try (java.net.ServerSocket s = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Every live node says {@code cluster_state:ok}, every live replica is in sync with its master, all
     * agree on who serves which slots.
     */
    public void awaitHealthy(Duration timeout) {
        await("the cluster to be healthy", timeout, () -> {
            List<String> views = new ArrayList<>();
            for (Node n : live()) {
                try (RespClient r = new RespClient(n.port)) {
                    if (!r.text("CLUSTER", "INFO").contains("cluster_state:ok")) {
                        return false;
                    }
                    String replication = r.text("INFO", "replication");
                    if (replication.contains("role:slave") && !replication.contains("master_link_status:up")) {
                        return false;
                    }
                }
                views.add(slotView(n));
            }
            return views.stream().distinct().count() == 1;
        });
    }

    /** The slot of a key, as the cluster computes it. */
    public int slotOf(String key) {
        try (RespClient r = new RespClient(live().get(0).port)) {
            return ((Long) r.call("CLUSTER", "KEYSLOT", key)).intValue();
        }
    }

    /** The live master serving a slot. */
    public Node masterOf(int slot) {
        Node any = live().get(0);
        for (String line : clusterNodes(any)) {
            String[] f = line.split(" ");
            if (!f[2].contains("master") || f[2].contains("fail")) {
                continue;
            }
            for (int i = 8; i < f.length; i++) {
                if (f[i].startsWith("[")) {
                    continue; // a slot being imported or migrated, not served
                }
                String[] range = f[i].split("-");
                int lo = Integer.parseInt(range[0]);
                int hi = range.length > 1 ? Integer.parseInt(range[1]) : lo;
                if (slot >= lo && slot <= hi) {
                    return node(f[0]);
                }
            }
        }
        throw new IllegalStateException("no master serves slot " + slot);
    }

    /** The live masters that serve slots. */
    public List<Node> masters() {
        return live().stream().filter(TestRedisCluster::ownsSlots).toList();
    }

    /**
     * SIGKILLs the master of a slot (no chance to hand anything over, as when a machine dies) and waits until
     * its replica has been promoted and every surviving node sees the cluster healthy again. Returns the
     * node that now serves the slot.
     */
    public Node killMasterOf(int slot, Duration timeout) {
        Node master = masterOf(slot);
        master.process.destroyForcibly();
        try {
            master.process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        await("a replica to take over slot " + slot, timeout, () -> {
            try {
                Node now = masterOf(slot);
                return now != master && allOk();
            } catch (RuntimeException notYet) {
                return false;
            }
        });
        return masterOf(slot);
    }

    /**
     * Starts a killed node again on its port with its cluster identity (its nodes.conf) and no data, as a
     * replaced node comes back: a master that lost its slots rejoins as a replica of its successor. Waits
     * until it is in sync.
     */
    public void restart(Node n) {
        if (n.alive()) {
            throw new IllegalStateException("node " + n.port + " still runs");
        }
        n.process = startProcess(n.port);
        FreePort.awaitListening(n.port, Duration.ofSeconds(10));
        await("node " + n.port + " to rejoin as an in-sync replica", Duration.ofSeconds(30), () -> {
            try (RespClient r = new RespClient(n.port)) {
                String replication = r.text("INFO", "replication");
                return replication.contains("role:slave") && replication.contains("master_link_status:up");
            }
        });
        awaitHealthy(Duration.ofSeconds(30));
    }

    /**
     * Moves a slot from its master to another master while clients keep using it, {@code batch} keys at a
     * time with {@code pause} between batches (so that traffic meets the slot half moved). Returns the new
     * owner.
     */
    public Node migrateSlot(int slot, int batch, Duration pause) {
        SlotMigration m = startMigration(slot);
        while (m.moveKeys(batch) > 0) {
            FreePort.sleep(pause.toMillis());
        }
        return m.finish();
    }

    /**
     * Begins moving a slot to another master, as {@code redis-cli --cluster reshard} does: the target marks
     * it IMPORTING, the source MIGRATING. From then on the source answers ASK for keys it no longer holds
     * and TRYAGAIN for multi-key commands whose keys are split between the two.
     */
    public SlotMigration startMigration(int slot) {
        Node source = masterOf(slot);
        Node target = masters().stream().filter(n -> n != source).findFirst().orElseThrow();
        try (RespClient s = new RespClient(source.port); RespClient t = new RespClient(target.port)) {
            t.call("CLUSTER", "SETSLOT", slot, "IMPORTING", source.id);
            s.call("CLUSTER", "SETSLOT", slot, "MIGRATING", target.id);
        }
        return new SlotMigration(slot, source, target);
    }

    /** A slot on its way from one master to another; see {@link #startMigration}. */
    public final class SlotMigration {
        private final int slot;
        private final Node source;
        private final Node target;

        private SlotMigration(int slot, Node source, Node target) {
            this.slot = slot;
            this.source = source;
            this.target = target;
        }

        public Node source() {
            return source;
        }

        public Node target() {
            return target;
        }

        /** Moves up to {@code max} of the keys still on the source with MIGRATE; returns how many it moved. */
        public int moveKeys(int max) {
            try (RespClient s = new RespClient(source.port)) {
                @SuppressWarnings("unchecked")
                List<Object> keys = (List<Object>) s.call("CLUSTER", "GETKEYSINSLOT", slot, max);
                if (keys.isEmpty()) {
                    return 0;
                }
                List<Object> args = new ArrayList<>(List.of("MIGRATE", "127.0.0.1", target.port, "", 0, 10_000, "KEYS"));
                args.addAll(keys);
                s.call(args.toArray());
                return keys.size();
            }
        }

        /** Moves the remaining keys, gives the slot to the target on every master, waits until all agree. */
        public Node finish() {
            while (moveKeys(1000) > 0) {
                // until the source holds none of the slot's keys
            }
            // The target first, so that the slot is never without an owner that accepts it.
            for (Node n : List.of(target, source)) {
                try (RespClient r = new RespClient(n.port)) {
                    r.call("CLUSTER", "SETSLOT", slot, "NODE", target.id);
                }
            }
            for (Node m : masters()) {
                if (m != source && m != target) {
                    try (RespClient r = new RespClient(m.port)) {
                        r.call("CLUSTER", "SETSLOT", slot, "NODE", target.id);
                    }
                }
            }
            awaitHealthy(Duration.ofSeconds(30));
            return target;
        }
    }

    private boolean allOk() {
        for (Node n : live()) {
            try (RespClient r = new RespClient(n.port)) {
                if (!r.text("CLUSTER", "INFO").contains("cluster_state:ok")) {
                    return false;
                }
            }
        }
        return true;
    }

    private List<Node> live() {
        return nodes.stream().filter(Node::alive).toList();
    }

    private Node node(String id) {
        return nodes.stream().filter(n -> id.equals(n.id)).findFirst()
                .orElseThrow(() -> new IllegalStateException("unknown node " + id));
    }

    private static boolean ownsSlots(Node n) {
        for (String line : clusterNodes(n)) {
            String[] f = line.split(" ");
            if (f[2].contains("myself")) {
                return f[2].contains("master") && f.length > 8;
            }
        }
        return false;
    }

    /** Who serves which slots, as one node sees it: equal on every node once they agree. */
    private static String slotView(Node n) {
        return clusterNodes(n).stream()
                .map(l -> l.split(" "))
                .filter(f -> f[2].contains("master") && f.length > 8 && !f[2].contains("fail"))
                .map(f -> f[0] + " " + String.join(" ", List.of(f).subList(8, f.length)))
                .sorted()
                .toList()
                .toString();
    }

    private static List<String> clusterNodes(Node n) {
        try (RespClient r = new RespClient(n.port)) {
            return r.text("CLUSTER", "NODES").lines().filter(l -> !l.isBlank()).toList();
        }
    }

    private static void await(String what, Duration timeout, java.util.function.BooleanSupplier done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (done.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException e) {
                last = e; // a node still starting or just killed: ask again
            }
            FreePort.sleep(100);
        }
        throw new IllegalStateException("timed out after " + timeout + " waiting for " + what, last);
    }

    private void stopAll() {
        for (Node n : nodes) {
            n.process.destroyForcibly();
        }
        for (Node n : nodes) {
            try {
                n.process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException e) {
            // A temporary directory left behind harms nothing.
        }
    }

    /** Stops every node and removes their files. */
    @Override
    public void close() {
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // Already running the hook: nothing to remove.
        }
    }

    @Override
    public String toString() {
        return "TestRedisCluster" + nodes.stream().map(n -> Objects.toString(n.port)).toList();
    }
}
