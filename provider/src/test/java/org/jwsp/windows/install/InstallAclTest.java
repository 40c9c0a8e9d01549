package org.jwsp.windows.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

/**
 * The installer's ACL decision over the SDDL Windows prints for real folders: %ProgramFiles% and
 * jwsp's own ACL pass; a folder under C:\ (Authenticated Users: Modify, inherited), a user owner,
 * a missing DACL, Everyone with write, are refused with the principal and the access named.
 */
class InstallAclTest {

    private static final String TI = InstallAcl.TRUSTED_INSTALLER;
    /** icacls / Get-Acl of C:\Program Files on Windows 11 (SDDL). */
    private static final String PROGRAM_FILES = "O:" + TI + "G:" + TI + "D:PAI(A;;FA;;;" + TI + ")(A;CIIO;GA;;;" + TI
            + ")(A;;0x1301bf;;;SY)(A;OICIIO;GA;;;SY)(A;;0x1301bf;;;BA)(A;OICIIO;GA;;;BA)(A;;0x1200a9;;;BU)"
            + "(A;OICIIO;GXGR;;;BU)(A;OICIIO;GA;;;CO)(A;;0x1200a9;;;AC)(A;OICIIO;GXGR;;;AC)";
    /** A folder an administrator made under C:\ (C:\jwsp): Authenticated Users may modify it. */
    private static final String UNDER_C = "O:BAG:S-1-5-21-1-2-3-513D:AI(A;ID;FA;;;BA)(A;OICIIOID;GA;;;BA)(A;ID;FA;;;SY)"
            + "(A;OICIIOID;GA;;;SY)(A;OICIID;0x1200a9;;;BU)(A;ID;0x1301bf;;;AU)(A;OICIIOID;SDGXGWGR;;;AU)";

    private static Optional<String> decide(String sddl) {
        return InstallAcl.refusal(SecurityDescriptor.parse(sddl), "X");
    }

    @Test
    void programFilesAndJwspsOwnAclsAreSafe() {
        assertEquals(Optional.empty(), decide(PROGRAM_FILES));
        assertEquals(Optional.empty(), decide(InstallAcl.FOLDER));
        assertEquals(Optional.empty(), decide(InstallAcl.FILE));
    }

    @Test
    void aFolderUnderTheDriveRootIsRefusedNamingAuthenticatedUsersAndTheAccess() {
        assertEquals(Optional.of("X may be changed by S-1-5-11 (access 0x1301bf); only SYSTEM, Administrators and"
                + " TrustedInstaller may write it"), decide(UNDER_C));
    }

    @Test
    void aUserOwnerNoDaclAndEveryoneWritingAreRefused() {
        assertTrue(decide("O:S-1-5-21-1-2-3-1001D:PAI(A;;FA;;;SY)").orElseThrow().contains("owned by S-1-5-21-1-2-3-1001"));
        assertTrue(decide("O:SYD:NO_ACCESS_CONTROL").orElseThrow().contains("no DACL"));
        assertTrue(decide("O:SY").orElseThrow().contains("no DACL"));
        assertTrue(decide("O:BAD:(A;;FW;;;WD)").orElseThrow().contains("S-1-1-0"));
        assertTrue(decide("O:BAD:(A;;GW;;;BU)").orElseThrow().contains("S-1-5-32-545 (access 0x40000000)"));
        assertTrue(decide("O:BAD:(A;;WDWO;;;IU)").orElseThrow().contains("S-1-5-4"));
    }

    @Test
    void denyAcesAreNotCreditedAndInheritOnlyAcesDoNotApply() {
        assertTrue(decide("O:BAD:(D;;FA;;;AU)(A;;FA;;;AU)").isPresent(), "an allow stays refused behind a deny");
        assertEquals(Optional.empty(), decide("O:BAD:(A;OICIIO;GA;;;CO)(A;;FA;;;SY)"));
        assertEquals(Optional.empty(), decide("O:BAD:(A;;0x1200a9;;;WD)"), "read and execute for everyone");
    }

    @Test
    void sddlItCannotReadIsRefusedByTheParser() {
        assertThrows(IllegalArgumentException.class, () -> SecurityDescriptor.parse("O:BAD:(A;;QQ;;;WD)"));
        assertThrows(IllegalArgumentException.class, () -> SecurityDescriptor.parse("O:BAD:(A;;FA)"));
        assertThrows(IllegalArgumentException.class, () -> SecurityDescriptor.parse("nonsense"));
    }

    @Test
    void aliasesAndRightsAreNormalised() {
        SecurityDescriptor sd = SecurityDescriptor.parse(InstallAcl.FOLDER);
        assertEquals(InstallAcl.ADMINISTRATORS, sd.owner());
        assertTrue(sd.daclProtected());
        assertEquals(5, sd.aces().size());
        assertEquals(0x001F_01FF, sd.aces().getFirst().mask());
        assertEquals(InstallAcl.SYSTEM, sd.aces().getFirst().sid());
        assertEquals("S-1-15-2-1", sd.aces().getLast().sid());
    }
}
