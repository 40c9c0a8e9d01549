/*
 * Unit driver for jwsp.dll's ACL check (jwsp_acl.c) under Wine, which stores no file ACLs of its
 * own on this file system (it derives them from Unix modes, owner = the Wine user): the check
 * is driven here with security descriptors written as SDDL, and on real paths.
 *   aclcheck.exe sd USER_SID SDDL   check the descriptor as a process running as USER_SID would
 *   aclcheck.exe path PATH          check a real file or folder as this process
 * Prints "OK" or "REFUSED <reason>" and exits 0; 2 on bad usage. Test code.
 */
#include "jwsp.h"

#include <sddl.h>
#include <stdio.h>

int wmain(int argc, wchar_t **argv)
{
    jwsp_reason reason;
    int rc;

    if (argc < 3) {
        fprintf(stderr, "usage: aclcheck sd USER_SID SDDL | aclcheck path PATH\n");
        return 2;
    }
    if (wcscmp(argv[1], L"sd") == 0 && argc == 4) {
        PSID user = NULL;
        PSECURITY_DESCRIPTOR sd = NULL;
        if (!ConvertStringSidToSidW(argv[2], &user)
            || !ConvertStringSecurityDescriptorToSecurityDescriptorW(argv[3], SDDL_REVISION_1, &sd, NULL)) {
            fprintf(stderr, "bad SID or SDDL: error %lu\n", GetLastError());
            return 2;
        }
        rc = jwsp_acl_check_descriptor(sd, user, L"the file", reason);
        LocalFree(sd);
        LocalFree(user);
    } else if (wcscmp(argv[1], L"path") == 0) {
        rc = jwsp_acl_check_path(argv[2], reason);
    } else {
        fprintf(stderr, "usage: aclcheck sd USER_SID SDDL | aclcheck path PATH\n");
        return 2;
    }
    if (rc == 0) {
        printf("OK\n");
    } else {
        char text[4 * JWSP_REASON_LEN];
        WideCharToMultiByte(CP_UTF8, 0, reason, -1, text, sizeof(text), NULL, NULL);
        printf("REFUSED %s\n", text);
    }
    return 0;
}
