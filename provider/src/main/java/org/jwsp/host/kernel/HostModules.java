package org.jwsp.host.kernel;

import java.lang.foreign.MemorySegment;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The host's stand-in for {@code LoadLibraryW}/{@code GetProcAddress}: modules by name
 * (case-insensitive, like Windows file names), each a table of exports (native function
 * pointers: upcall stubs or C symbols). The upcall layer registers {@code ws2_32.dll}; the
 * base provider and installed layered providers register their {@code WSPStartup} under the
 * module path the catalog records. Not on the hot path. Owns no memory: the stubs belong to
 * whoever registered them.
 */
final class HostModules {

    private final Map<String, Map<String, MemorySegment>> modules = new ConcurrentHashMap<>();

    void register(String module, String export, MemorySegment function) {
        modules.computeIfAbsent(module.toLowerCase(Locale.ROOT), m -> new ConcurrentHashMap<>())
                .put(export, function);
    }

    void unregister(String module) {
        modules.remove(module.toLowerCase(Locale.ROOT));
    }

    MemorySegment find(String module, String export) {
        if (module == null || export == null) {
            return MemorySegment.NULL;
        }
        Map<String, MemorySegment> exports = modules.get(module.toLowerCase(Locale.ROOT));
        MemorySegment f = exports == null ? null : exports.get(export);
        return f == null ? MemorySegment.NULL : f;
    }
}
