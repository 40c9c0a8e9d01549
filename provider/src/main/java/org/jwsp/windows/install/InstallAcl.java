package org.jwsp.windows.install;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Who may change what jwsp.dll loads, decided over a parsed {@link SecurityDescriptor}: the owner
 * must be SYSTEM, Administrators or TrustedInstaller, a DACL must be present, and no allow ACE
 * that applies to the object itself may give anyone else a right to change it (write, append,
 * delete, delete child, change permissions or owner, generic write or all). Deny ACEs are not
 * credited and inherit-only ACEs ignored, as the bootstrap's {@code jwsp_acl.c} decides (except
 * that the installer credits no "process user": it secures for every process).
 *
 * <p>{@link #FOLDER} and {@link #FILE} are the descriptors jwsp sets on its install folder and its
 * files: owner Administrators, a protected DACL (nothing inherited from a writable parent), full
 * control for SYSTEM, Administrators and TrustedInstaller, read and execute for everyone and for
 * app containers (Store apps load the DLL too). Pure; used by {@link InstallLayout}.
 */
public final class InstallAcl {

    static final String SYSTEM = "S-1-5-18";
    static final String ADMINISTRATORS = "S-1-5-32-544";
    static final String TRUSTED_INSTALLER = "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464";
    private static final Set<String> TRUSTED = Set.of(SYSTEM, ADMINISTRATORS, TRUSTED_INSTALLER);

    /** FILE_WRITE_DATA, FILE_APPEND_DATA, FILE_DELETE_CHILD, DELETE, WRITE_DAC, WRITE_OWNER, GENERIC_WRITE, GENERIC_ALL. */
    static final int WRITE_RIGHTS = 0x2 | 0x4 | 0x40 | 0x1_0000 | 0x4_0000 | 0x8_0000 | 0x4000_0000 | 0x1000_0000;

    private static final String TRUSTED_FULL = "(A;%1$s;FA;;;SY)(A;%1$s;FA;;;BA)(A;%1$s;FA;;;" + TRUSTED_INSTALLER + ")";
    /** Read and execute (FILE_GENERIC_READ | FILE_GENERIC_EXECUTE) for Everyone and ALL APPLICATION PACKAGES. */
    private static final String OTHERS_READ = "(A;%1$s;0x1200a9;;;WD)(A;%1$s;0x1200a9;;;AC)";

    /** The install folder's descriptor: inherited by what is created inside it. */
    public static final String FOLDER = "O:BAD:PAI" + String.format(Locale.ROOT, TRUSTED_FULL + OTHERS_READ, "OICI");
    /** A file's descriptor (the DLL, the jars). */
    public static final String FILE = "O:BAD:PAI" + String.format(Locale.ROOT, TRUSTED_FULL + OTHERS_READ, "");

    private InstallAcl() {
    }

    /** Why {@code what} is not safe for jwsp, or empty when only trusted principals can change it. */
    public static Optional<String> refusal(SecurityDescriptor sd, String what) {
        if (sd.owner() == null || !TRUSTED.contains(sd.owner())) {
            return Optional.of(what + " is owned by " + sd.owner() + ", not by SYSTEM, Administrators or TrustedInstaller"
                    + " (whoever owns it can change its permissions)");
        }
        if (!sd.daclPresent()) {
            return Optional.of(what + " has no DACL: everyone may change it");
        }
        for (SecurityDescriptor.Ace ace : sd.aces()) {
            if (ace.allows() && !ace.inheritOnly() && (ace.mask() & WRITE_RIGHTS) != 0 && !TRUSTED.contains(ace.sid())) {
                return Optional.of(what + " may be changed by " + ace.sid() + String.format(Locale.ROOT, " (access 0x%x)",
                        ace.mask()) + "; only SYSTEM, Administrators and TrustedInstaller may write it");
            }
        }
        return Optional.empty();
    }
}
