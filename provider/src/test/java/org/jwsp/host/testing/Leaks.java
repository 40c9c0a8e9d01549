package org.jwsp.host.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.jwsp.host.kernel.CountedArena;
import org.jwsp.host.kernel.LinuxKernelPort;

/** Counts what the host holds (open fds, live host arenas and bytes, open handles) for before/after checks. */
public record Leaks(long fds, long arenas, long bytes, int handles) {

    public static Leaks now() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return new Leaks(s.count(), CountedArena.liveArenas(), CountedArena.liveBytes(),
                    LinuxKernelPort.instance().handles().openCount());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
