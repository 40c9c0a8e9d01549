package org.jwsp.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.jwsp.host.kernel.CountedArena;
import org.jwsp.host.kernel.LinuxKernelPort;

/**
 * What the host holds, for before/after checks: open fds by kind (sockets, io_uring rings,
 * eventfds, from {@code /proc/self/fd}), live host arenas and their bytes, open handles, windows.
 * {@code eventfds} leaves out the idle wake fds the kernel port keeps to lend to alertable waits
 * (a bounded process-wide cache, {@code LinuxKernelPort.idleWakeFds()}); every other eventfd, a
 * thread's included, is counted, and must be the same before and after.
 */
public record Leaks(long sockets, long rings, long eventfds, long arenas, long bytes, int handles, int windows) {

    public static Leaks now() {
        long sockets = 0, rings = 0, eventfds = 0;
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException gone) {
                    continue; // closed while listing (e.g. the listing's own fd)
                }
                if (target.startsWith("socket:")) {
                    sockets++;
                } else if (target.contains("io_uring")) {
                    rings++;
                } else if (target.contains("eventfd")) {
                    eventfds++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        eventfds -= LinuxKernelPort.instance().idleWakeFds();
        return new Leaks(sockets, rings, eventfds, CountedArena.liveArenas(), CountedArena.liveBytes(),
                LinuxKernelPort.instance().handles().openCount(), LinuxKernelPort.instance().windows().count());
    }

    /**
     * What differs from {@code before}, each named with its owner: empty when nothing opened
     * since is still open and nothing open then was closed by someone else.
     */
    public List<String> differencesFrom(Leaks before) {
        List<String> d = new ArrayList<>();
        differ(d, "socket fds (host base provider)", before.sockets, sockets);
        differ(d, "io_uring rings (host kernel port / base provider)", before.rings, rings);
        differ(d, "eventfds (host events and alertable threads; idle wake fds left out)", before.eventfds, eventfds);
        differ(d, "native arenas (host CountedArena)", before.arenas, arenas);
        differ(d, "native bytes (host CountedArena)", before.bytes, bytes);
        differ(d, "kernel handles (host handle table: ports, events, threads)", before.handles, handles);
        differ(d, "windows (host user32 emulation: a program's or jwsp's WSPAsyncSelect window)", before.windows, windows);
        return d;
    }

    private static void differ(List<String> d, String owner, long before, long after) {
        if (before != after) {
            d.add(owner + " " + before + " -> " + after);
        }
    }

    /** Nothing opened since {@code before} is still open, and nothing open then was closed by someone else. */
    public void assertNothingLeakedSince(Leaks before) {
        assertEquals(before.sockets, sockets, "sockets");
        assertEquals(before.rings, rings, "io_uring rings");
        assertEquals(before.eventfds, eventfds, "eventfds (idle wake fds of the kernel port left out)");
        assertEquals(before.arenas, arenas, "host arenas");
        assertEquals(before.bytes, bytes, "host native bytes");
        assertEquals(before.handles, handles, "handles");
        assertEquals(before.windows, windows, "windows");
    }
}
