package org.jwsp.windows.install;

import java.util.Locale;
import java.util.Map;

import picocli.CommandLine;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The parsed command line of {@code jwsp}, read by picocli with one syntax for every option
 * (GNU long options: {@code --dll <path>} or {@code --dll=<path>}; {@code -h}/{@code --help} and
 * {@code -V}/{@code --version} on every command):
 * <pre>
 *   jwsp install [--dll=&lt;path&gt;] [--jvm=&lt;path&gt;] [--name=&lt;name&gt;]
 *   jwsp upgrade [--dll=&lt;path&gt;] [--jvm=&lt;path&gt;] [--name=&lt;name&gt;]
 *   jwsp uninstall
 *   jwsp list [--brief]
 *   jwsp [COMMAND] --help
 * </pre>
 * {@code --dll} defaults to {@code JWSP_DLL}, else {@code %ProgramFiles%\jwsp\jwsp.dll}; {@code --name} (the
 * catalog name of the layered entry, and the prefix of every chain's "&lt;name&gt; over [base]")
 * defaults to {@code jwsp}. The DLL itself is checked when installing. {@code jwsp --help} lists
 * every command with every option and the exit codes ({@link InstallerError}).
 *
 * <p>Every parse error is one {@link InstallerError#USAGE} line in jwsp's own words (picocli's
 * exceptions are translated), followed by the synopsis. Immutable.
 */
public record InstallerOptions(Command command, String dll, String name, String jvm, boolean brief, String text) {

    /** What {@code jwsp} was asked to do; {@code HELP} prints {@link #text()}. */
    public enum Command { INSTALL, UPGRADE, UNINSTALL, LIST, HELP }

    public static final String USAGE = "usage: jwsp install|upgrade [--dll=<path to jwsp x64 DLL>] [--jvm=<jvm.dll>]"
            + " [--name=<name>] | jwsp uninstall | jwsp list [--brief]   ('jwsp --help' lists every option)";
    public static final String DEFAULT_NAME = "jwsp";
    /** Longest name: "name over [base name]" must still fit WSAPROTOCOL_LEN (255) with room for the base's name. */
    public static final int MAX_NAME = 64;

    /**
     * Parses {@code args}; {@code environment} supplies {@code JWSP_DLL}.
     *
     * @throws InstallerFailure {@link InstallerError#USAGE} or {@link InstallerError#BAD_CONFIGURATION}
     */
    public static InstallerOptions parse(String[] args, Map<String, String> environment) {
        CommandLine jwsp = commandLine();
        ParseResult parsed;
        try {
            parsed = jwsp.parseArgs(args);
        } catch (ParameterException e) {
            throw usage(reason(e, jwsp));
        }
        if (parsed.isUsageHelpRequested()) {
            return help(fullHelp(jwsp));
        }
        if (parsed.isVersionHelpRequested()) {
            return help(version() + "\n");
        }
        ParseResult sub = parsed.subcommand();
        if (sub == null) {
            throw usage("no command");
        }
        CommandLine chosen = sub.commandSpec().commandLine();
        if (sub.isUsageHelpRequested()) {
            return help(chosen.getUsageMessage(Ansi.OFF));
        }
        if (sub.isVersionHelpRequested()) {
            return help(version() + "\n");
        }
        return switch (sub.commandSpec().userObject()) {
            case UpgradeCommand upgrade -> new InstallerOptions(Command.UPGRADE, dll(upgrade.dll, environment),
                    checkName(upgrade.name), upgrade.jvm, false, null);
            case InstallCommand install -> new InstallerOptions(Command.INSTALL, dll(install.dll, environment),
                    checkName(install.name), install.jvm, false, null);
            case ListCommand list -> new InstallerOptions(Command.LIST, null, null, null, list.brief, null);
            default -> new InstallerOptions(Command.UNINSTALL, null, null, null, false, null);
        };
    }

    private static InstallerOptions help(String text) {
        return new InstallerOptions(Command.HELP, null, null, null, false, text);
    }

    /** {@code --dll}, else {@code JWSP_DLL}, else {@code %ProgramFiles%\jwsp\jwsp.dll} where there is a ProgramFiles. */
    private static String dll(String given, Map<String, String> environment) {
        if (given != null) {
            return given;
        }
        if (environment.get("JWSP_DLL") != null) {
            return environment.get("JWSP_DLL");
        }
        String programFiles = environment.get("ProgramFiles");
        return programFiles != null ? programFiles + "\\jwsp\\jwsp.dll" : null;
    }

    private static CommandLine commandLine() {
        return new CommandLine(new Jwsp()).setUsageHelpWidth(100).setAbbreviatedOptionsAllowed(false)
                .setAbbreviatedSubcommandsAllowed(false);
    }

    /** The top command's help, then every command's, then the exit codes: every option in one page. */
    private static String fullHelp(CommandLine jwsp) {
        StringBuilder out = new StringBuilder(jwsp.getUsageMessage(Ansi.OFF));
        for (CommandLine sub : jwsp.getSubcommands().values()) {
            out.append('\n').append(sub.getUsageMessage(Ansi.OFF));
        }
        out.append("\nExit codes:\n  0   done\n");
        for (InstallerError e : InstallerError.values()) {
            out.append(String.format(Locale.ROOT, "  %-3d %s%n", e.exitCode(), e.meaning()));
        }
        return out.toString();
    }

    /** picocli's refusal in jwsp's words, naming the argument. */
    private static String reason(ParameterException e, CommandLine jwsp) {
        CommandLine where = e.getCommandLine();
        if (e instanceof CommandLine.MissingParameterException missing && !missing.getMissing().isEmpty()
                && missing.getMissing().getFirst() instanceof OptionSpec option) {
            return option.longestName() + " needs a value";
        }
        if (e instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
            String arg = unmatched.getUnmatched().getFirst();
            String option = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            if (where == jwsp && !arg.startsWith("-")) {
                return "unknown command '" + arg + "'" + suggestion(unmatched);
            }
            for (CommandLine other : jwsp.getSubcommands().values()) {
                if (other != where && other.getCommandSpec().findOption(option) != null) {
                    return option + " applies to " + other.getCommandName() + " only";
                }
            }
            return (arg.startsWith("-") ? "unknown option '" : "unexpected argument '") + arg + "'" + suggestion(unmatched);
        }
        return e.getMessage();
    }

    private static String suggestion(CommandLine.UnmatchedArgumentException e) {
        return e.getSuggestions().isEmpty() ? "" : " (did you mean '" + e.getSuggestions().getFirst() + "'?)";
    }

    private static String version() {
        String v = InstallerOptions.class.getPackage().getImplementationVersion();
        return "jwsp installer " + (v != null ? v : "(development build)");
    }

    private static String checkName(String name) {
        if (name.isBlank() || name.length() > MAX_NAME || name.chars().anyMatch(Character::isISOControl)) {
            throw new InstallerFailure(InstallerError.BAD_CONFIGURATION,
                    "--name must be 1 to " + MAX_NAME + " printable characters, not '" + name + "'");
        }
        return name;
    }

    private static InstallerFailure usage(String reason) {
        return new InstallerFailure(InstallerError.USAGE, reason + "\n" + USAGE);
    }

    @picocli.CommandLine.Command(name = "jwsp", mixinStandardHelpOptions = true, versionProvider = Version.class,
            synopsisSubcommandLabel = "COMMAND", subcommands = {InstallCommand.class, UpgradeCommand.class, UninstallCommand.class, ListCommand.class},
            description = "Installs jwsp, a Winsock layered service provider, into the 64-bit Winsock catalog of"
                    + " Windows x64 (from an elevated prompt), removes it, and lists the catalog. Off Windows it"
                    + " works on the Linux host's catalog in this process.")
    static final class Jwsp {
    }

    @picocli.CommandLine.Command(name = "install", mixinStandardHelpOptions = true, versionProvider = Version.class,
            description = "Layers jwsp over the first visible base provider of TCP and UDP over IPv4 and IPv6,"
                    + " with its chains first in the catalog.")
    static class InstallCommand {
        @Option(names = "--dll", paramLabel = "<path>", description = "absolute path of jwsp's x64 bootstrap DLL"
                + " (on the Linux host: a registered module); default: the environment variable JWSP_DLL, else"
                + " %ProgramFiles%\\jwsp\\jwsp.dll. On Windows its folder, the DLL, jwsp-admin.exe and the jars there"
                + " are given an ACL only SYSTEM, Administrators and TrustedInstaller may write, unless they have one")
        String dll;

        @Option(names = "--jvm", paramLabel = "<path>", description = "the jvm.dll jwsp.dll loads (verified on Windows:"
                + " it and the JDK's folders must be writable by SYSTEM, Administrators, TrustedInstaller only);"
                + " default: bin\\server\\jvm.dll of the Java running this installer")
        String jvm;

        @Option(names = "--name", paramLabel = "<name>", defaultValue = DEFAULT_NAME, description = "name of the"
                + " catalog entries, 1 to " + MAX_NAME + " printable characters; default: ${DEFAULT-VALUE}")
        String name;
    }

    @picocli.CommandLine.Command(name = "upgrade", mixinStandardHelpOptions = true, versionProvider = Version.class,
            description = "Uninstall (repairing providers layered over jwsp) and install again, in one command:"
                    + " the catalog then names the DLL given now; categories are set again.")
    static final class UpgradeCommand extends InstallCommand {
    }

    @picocli.CommandLine.Command(name = "uninstall", mixinStandardHelpOptions = true, versionProvider = Version.class,
            description = "Removes jwsp's catalog entries; a provider layered over jwsp is reinstalled with jwsp"
                    + " taken out of its chains; every other entry is left where it was.")
    static final class UninstallCommand {
    }

    @picocli.CommandLine.Command(name = "list", mixinStandardHelpOptions = true, versionProvider = Version.class,
            description = "Lists the catalog like 'netsh winsock show catalog' (plus each chain's links).")
    static final class ListCommand {
        @Option(names = "--brief", description = "one line per entry: catalog ID, chain, flags, LSP categories, DLL path, description")
        boolean brief;
    }

    /** {@code --version} on every command. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {version()};
        }
    }

}
