package org.jwsp.samples;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The command line of a sample: {@code --name value} or {@code --name=value} options, each with a
 * default and a one-line description, and {@code --help}. An unknown option, a missing value or a
 * number out of its range is a {@link SampleFailure} naming the option and its allowed values, so
 * the sample prints one line and exits 2, as every sample does for a bad command line. Made and
 * read on the sample's main thread.
 */
final class SampleArgs {

    /** The command line asks for something the sample cannot do; {@link SampleExit} makes it exit code 2. */
    static final class BadCommandLine extends RuntimeException {
        BadCommandLine(String sample, String why) {
            super(sample + ": " + why + " (try --help)");
        }
    }

    private final String sample;
    private final Map<String, String[]> options = new LinkedHashMap<>();
    private final Map<String, String> values = new LinkedHashMap<>();
    private boolean help;

    SampleArgs(String sample) {
        this.sample = sample;
    }

    /** Declares {@code --name}, its default and what it means; returns this. */
    SampleArgs option(String name, String defaultValue, String description) {
        options.put(name, new String[] {defaultValue, description});
        values.put(name, defaultValue);
        return this;
    }

    /** Reads {@code args}; after it, {@link #help()} says whether only the usage was asked for. */
    SampleArgs parse(String... args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                help = true;
                continue;
            }
            int eq = a.indexOf('=');
            String name = a.startsWith("--") ? a.substring(2, eq < 0 ? a.length() : eq) : null;
            if (name == null || !options.containsKey(name)) {
                throw new BadCommandLine(sample, "unknown option '" + a + "'");
            }
            if (eq >= 0) {
                values.put(name, a.substring(eq + 1));
            } else if (i + 1 < args.length) {
                values.put(name, args[++i]);
            } else {
                throw new BadCommandLine(sample, "option --" + name + " needs a value");
            }
        }
        return this;
    }

    boolean help() {
        return help;
    }

    /** The usage: one line per option with its default. */
    String usage() {
        StringBuilder b = new StringBuilder("usage: bash samples/demo.sh " + sample + " [options]\n");
        options.forEach((name, d) -> b.append(String.format("  --%-10s %s (default: %s)%n", name + " <v>", d[1], d[0])));
        b.append(String.format("  --%-10s %s%n", "help", "print this and exit"));
        return b.toString();
    }

    String string(String name) {
        return values.get(name);
    }

    /** The option as a whole number in [min, max]; "64k" and "16m" mean 64 * 1024 and 16 * 1024 * 1024. */
    long number(String name, long min, long max) {
        String v = values.get(name).trim().toLowerCase();
        long unit = v.endsWith("k") ? 1024 : v.endsWith("m") ? 1024 * 1024 : 1;
        long n;
        try {
            n = Long.parseLong(unit == 1 ? v : v.substring(0, v.length() - 1)) * unit;
        } catch (NumberFormatException e) {
            throw new BadCommandLine(sample, "--" + name + " " + values.get(name) + ": not a number");
        }
        if (n < min || n > max) {
            throw new BadCommandLine(sample, "--" + name + " " + values.get(name) + ": must be between " + min + " and " + max);
        }
        return n;
    }

    int integer(String name, int min, int max) {
        return (int) number(name, min, max);
    }

    /** Why a file could not be made, in words ("its directory does not exist"). */
    static String why(java.io.IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "its directory does not exist";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }
}
