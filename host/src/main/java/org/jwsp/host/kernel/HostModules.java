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

    /**
     * The export, looked up by the module's full name, else (as {@code LoadLibrary} finds a module
     * already loaded) by its file name alone, so {@code "C:\\Windows\\system32\\mswsock.dll"} finds
     * the module registered as {@code "%SystemRoot%\\system32\\mswsock.dll"}.
     */
    MemorySegment find(String module, String export) {
        if (module == null || export == null) {
            return MemorySegment.NULL;
        }
        String name = module.toLowerCase(Locale.ROOT);
        Map<String, MemorySegment> exports = modules.get(name);
        if (exports == null) {
            String file = fileName(name);
            for (Map.Entry<String, Map<String, MemorySegment>> m : modules.entrySet()) {
                if (fileName(m.getKey()).equals(file)) {
                    exports = m.getValue();
                    break;
                }
            }
        }
        MemorySegment f = exports == null ? null : exports.get(export);
        return f == null ? MemorySegment.NULL : f;
    }

    private static String fileName(String path) {
        return path.substring(Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/')) + 1);
    }
}
