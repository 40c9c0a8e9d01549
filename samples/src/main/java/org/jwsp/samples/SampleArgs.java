package org.jwsp.samples;

import java.io.PrintWriter;
import java.io.StringWriter;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The command line of a sample that takes options, parsed by picocli as every jwsp command line
 * is ({@link SampleCommand}, the demo, the installer): {@code --name value} or
 * {@code --name=value}, each option with a default and a one-line description, and
 * {@code --help}. An unknown option, a missing value or a number out of its range is a
 * {@link BadCommandLine} naming the option and its allowed values, so the sample prints one line
 * and exits 2, as every sample does for a bad command line. Made and read on the sample's main
 * thread.
 */
final class SampleArgs {

    /** The command line asks for something the sample cannot do; {@link SampleExit} makes it exit code 2. */
    static final class BadCommandLine extends RuntimeException {
        BadCommandLine(String sample, String why) {
            super(sample + ": " + why + " (try --help)");
        }
    }

    private final String sample;
    private final CommandSpec spec;
    private ParseResult parsed;

    SampleArgs(String sample, String description) {
        this.sample = sample;
        this.spec = SampleCommand.spec(sample, description);
    }

    /** Declares {@code --name}, its default and what it means; returns this. */
    SampleArgs option(String name, String defaultValue, String description) {
        spec.addOption(OptionSpec.builder("--" + name).paramLabel("<" + name + ">").type(String.class).defaultValue(defaultValue)
                .description(description + " (default: ${DEFAULT-VALUE})").build());
        return this;
    }

    /** Reads {@code args}; after it, {@link #help()} says whether only the usage (or version) was asked for. */
    SampleArgs parse(String... args) {
        try {
            parsed = new CommandLine(spec).parseArgs(args);
        } catch (ParameterException e) {
            throw new BadCommandLine(sample, e.getMessage());
        }
        return this;
    }

    boolean help() {
        return parsed.isUsageHelpRequested() || parsed.isVersionHelpRequested();
    }

    /** The usage picocli makes: every option with its default, and the exit codes. */
    String usage() {
        StringWriter text = new StringWriter();
        new CommandLine(spec).usage(new PrintWriter(text, true));
        return text.toString();
    }

    String string(String name) {
        return parsed.matchedOptionValue("--" + name, spec.findOption("--" + name).defaultValue());
    }

    /** The option as a whole number in [min, max]; "64k" and "16m" mean 64 * 1024 and 16 * 1024 * 1024. */
    long number(String name, long min, long max) {
        String given = string(name);
        String v = given.trim().toLowerCase(java.util.Locale.ROOT);
        long unit = v.endsWith("k") ? 1024 : v.endsWith("m") ? 1024 * 1024 : 1;
        long n;
        try {
            n = Long.parseLong(unit == 1 ? v : v.substring(0, v.length() - 1)) * unit;
        } catch (NumberFormatException e) {
            throw new BadCommandLine(sample, "--" + name + " " + given + ": not a number");
        }
        if (n < min || n > max) {
            throw new BadCommandLine(sample, "--" + name + " " + given + ": must be between " + min + " and " + max);
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
