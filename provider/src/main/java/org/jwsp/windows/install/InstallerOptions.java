package org.jwsp.windows.install;

import java.util.Map;

/**
 * The parsed command line of {@code jwsp}:
 * <pre>
 *   jwsp install [--dll &lt;absolute path to the x64 provider DLL&gt;] [--name &lt;name&gt;]
 *   jwsp uninstall
 *   jwsp list
 * </pre>
 * {@code --dll} defaults to the environment variable {@code JWSP_DLL}; {@code --name} (the
 * catalog name of the layered entry, and the prefix of every chain's "&lt;name&gt; over [base]")
 * defaults to {@code jwsp}. The DLL itself is checked by {@link ProviderDll} when installing.
 * Immutable.
 */
public record InstallerOptions(Command command, String dll, String name) {

    /** What {@code jwsp} was asked to do. */
    public enum Command { INSTALL, UNINSTALL, LIST }

    public static final String USAGE = "usage: jwsp install [--dll <path to jwsp x64 DLL>] [--name <name>]"
            + " | jwsp uninstall | jwsp list   (--dll defaults to %JWSP_DLL%)";
    public static final String DEFAULT_NAME = "jwsp";
    /** Longest name: "name over [base name]" must still fit WSAPROTOCOL_LEN (255) with room for the base's name. */
    public static final int MAX_NAME = 64;

    /**
     * Parses {@code args}; {@code environment} supplies {@code JWSP_DLL}.
     *
     * @throws InstallerFailure {@link InstallerError#USAGE} or {@link InstallerError#BAD_CONFIGURATION}
     */
    public static InstallerOptions parse(String[] args, Map<String, String> environment) {
        if (args.length == 0) {
            throw usage("no command");
        }
        Command command = switch (args[0]) {
            case "install" -> Command.INSTALL;
            case "uninstall" -> Command.UNINSTALL;
            case "list" -> Command.LIST;
            default -> throw usage("unknown command '" + args[0] + "'");
        };
        String dll = null;
        String name = null;
        for (int i = 1; i < args.length; i++) {
            String option = args[i];
            if (!option.equals("--dll") && !option.equals("--name")) {
                throw usage("unknown option '" + option + "'");
            }
            if (command != Command.INSTALL) {
                throw usage(option + " applies to install only");
            }
            if (i + 1 >= args.length) {
                throw usage(option + " needs a value");
            }
            String value = args[++i];
            if (option.equals("--dll")) {
                dll = value;
            } else {
                name = value;
            }
        }
        if (command == Command.INSTALL) {
            if (dll == null) {
                dll = environment.get("JWSP_DLL");
            }
            name = checkName(name == null ? DEFAULT_NAME : name);
        }
        return new InstallerOptions(command, dll, name);
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
}
