package org.jwsp.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every class, method name and JNI signature jwsp.dll asks for, read from jwsp_java.c itself,
 * resolves on this JDK exactly as JNI resolves it (GetStaticMethodID / GetMethodID look a method up
 * by name and descriptor, which is what findStatic / findVirtual with
 * MethodType.fromMethodDescriptorString do), and Bootstrap's methods answer through those handles.
 * The stand-in jvm.dll of the Wine test cannot catch a name or signature on which the C side and
 * the Java side disagree; this test does. (Calling the JNI function table from Java through FFM
 * is not an option: any JDK native method run between two such calls resets the thread's JNI
 * local references.)
 */
class BootstrapJniTest {

    /** The C variable each lookup in jwsp_java.c uses, and the class it holds there. */
    private static final Map<String, Class<?>> RECEIVERS = Map.of(
            "loader_type", ClassLoader.class,
            "url_loader_type", java.net.URLClassLoader.class,
            "file_type", java.io.File.class,
            "uri_type", java.net.URI.class,
            "bootstrap", Bootstrap.class,
            "type", Throwable.class);

    private static final Pattern LOOKUP = Pattern.compile(
            "Get(Static)?MethodID\\(env, (\\w+), \"([\\w<>]+)\",\\s*\"([^\"]+)\"\\)");

    private final String dllSource = read();

    @Test
    void theDllLoadsTheBootstrapClassByTheRightName() throws Exception {
        Matcher m = Pattern.compile("#define BOOTSTRAP_CLASS \"([^\"]+)\"")
                .matcher(Files.readString(Path.of("src/main/c/bootstrap/jwsp.h")));
        assertTrue(m.find());

        assertEquals(Bootstrap.class, ClassLoader.getSystemClassLoader().loadClass(m.group(1)));
    }

    @Test
    void everyClassTheDllFindsExists() throws Exception {
        Matcher m = Pattern.compile("FindClass\\(env, \"([^\"]+)\"\\)").matcher(dllSource);
        List<String> found = new ArrayList<>();
        while (m.find()) {
            found.add(Class.forName(m.group(1).replace('/', '.')).getName());
        }

        assertEquals(List.of("java.lang.ClassLoader", "java.io.File", "java.net.URI", "java.net.URL",
                "java.net.URLClassLoader", "java.lang.ClassLoader"), found);
    }

    @Test
    void everyMethodTheDllLooksUpExistsWithThatSignature() throws Exception {
        List<String> resolved = new ArrayList<>();
        Matcher m = LOOKUP.matcher(dllSource);
        while (m.find()) {
            Class<?> receiver = RECEIVERS.get(m.group(2));
            assertTrue(receiver != null, () -> "unknown receiver variable in jwsp_java.c: " + m.group(2));
            handle(m.group(1) != null, receiver, m.group(3), m.group(4));
            resolved.add(receiver.getSimpleName() + "." + m.group(3) + m.group(4));
        }

        assertEquals(List.of("Throwable.toString()Ljava/lang/String;",
                "ClassLoader.loadClass(Ljava/lang/String;)Ljava/lang/Class;",
                "File.<init>(Ljava/lang/String;)V",
                "File.toURI()Ljava/net/URI;",
                "URI.toURL()Ljava/net/URL;",
                "URLClassLoader.newInstance([Ljava/net/URL;)Ljava/net/URLClassLoader;",
                "ClassLoader.getSystemClassLoader()Ljava/lang/ClassLoader;",
                "Bootstrap.failureReason()Ljava/lang/String;",
                "Bootstrap.wspStartupAddress()J"), resolved);
    }

    @Test
    void bootstrapAnswersThroughTheDllsSignatures() throws Throwable {
        MethodHandle address = handle(true, Bootstrap.class, "wspStartupAddress", "()J");
        MethodHandle reason = handle(true, Bootstrap.class, "failureReason", "()Ljava/lang/String;");

        long stub = (long) address.invokeExact();
        String why = (String) reason.invokeExact();

        // Without the provider on the class path (this branch) 0 and a reason naming it; with it, a stub.
        if (stub == 0) {
            assertTrue(why.contains(Bootstrap.PROVIDER_CLASS), why);
        } else {
            assertEquals("", why);
        }
    }

    private static MethodHandle handle(boolean isStatic, Class<?> receiver, String name, String descriptor)
            throws ReflectiveOperationException {
        MethodType type = MethodType.fromMethodDescriptorString(descriptor, receiver.getClassLoader());
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        if (name.equals("<init>")) {
            return lookup.findConstructor(receiver, type);
        }
        return isStatic ? lookup.findStatic(receiver, name, type) : lookup.findVirtual(receiver, name, type);
    }

    private static String read() {
        try {
            return Files.readString(Path.of("src/main/c/bootstrap/jwsp_java.c"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
