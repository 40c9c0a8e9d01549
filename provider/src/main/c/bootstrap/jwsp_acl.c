/*
 * Who may change the files jwsp.dll would load: jvm.dll, the JDK folders above it and every
 * class path entry must be owned, and writable, only by trusted principals — SYSTEM,
 * Administrators, TrustedInstaller, and the process's own user (who can already run any code in
 * its own processes; a service running as SYSTEM therefore refuses a file a user could change).
 * Anything else, a missing DACL included, is refused with one reason: planting a jvm.dll or a jar
 * would otherwise run code in every process jwsp serves.
 *
 * Called once per process from the start-up in jwsp_startup.c (and jwsp_log.c for the log's
 * owner). Deny ACEs are not credited (an allow ACE is refused even if a deny precedes it) and
 * inherit-only ACEs do not apply to the object itself. Every buffer Windows allocates here is
 * freed with LocalFree before returning.
 */
#include "jwsp.h"

#include <aclapi.h>
#include <sddl.h>
#include <wchar.h>

/* Rights that let a principal change a file, or a folder's contents. */
#define WRITE_RIGHTS (FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_DELETE_CHILD | DELETE | WRITE_DAC \
                      | WRITE_OWNER | GENERIC_WRITE | GENERIC_ALL)

static const wchar_t TRUSTED_INSTALLER[] = L"S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464";

static int trusted(PSID sid, PSID process_user)
{
    PSID installer = NULL;
    int yes = IsWellKnownSid(sid, WinLocalSystemSid) || IsWellKnownSid(sid, WinBuiltinAdministratorsSid)
        || (process_user != NULL && EqualSid(sid, process_user));
    if (!yes && ConvertStringSidToSidW(TRUSTED_INSTALLER, &installer)) {
        yes = EqualSid(sid, installer);
        LocalFree(installer);
    }
    return yes;
}

static void sid_text(PSID sid, wchar_t *out, size_t len)
{
    LPWSTR text = NULL;
    if (sid != NULL && ConvertSidToStringSidW(sid, &text)) {
        jwsp_format(out, len, L"%ls", text);
        LocalFree(text);
    } else {
        jwsp_format(out, len, L"(no SID)");
    }
}

int jwsp_acl_check_descriptor(PSECURITY_DESCRIPTOR sd, PSID process_user, const wchar_t *what, wchar_t *reason)
{
    PSID owner = NULL;
    PACL dacl = NULL;
    BOOL present = FALSE;
    BOOL defaulted = FALSE;
    wchar_t sid[256];
    DWORD i;

    if (!GetSecurityDescriptorOwner(sd, &owner, &defaulted) || owner == NULL || !trusted(owner, process_user)) {
        sid_text(owner, sid, 256);
        jwsp_format(reason, JWSP_REASON_LEN, L"%ls is owned by %ls, not by SYSTEM, Administrators, "
                    L"TrustedInstaller or this process's user: refused (whoever owns it can change it)", what, sid);
        return -1;
    }
    if (!GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted) || !present || dacl == NULL) {
        jwsp_format(reason, JWSP_REASON_LEN, L"%ls has no DACL (everyone may change it): refused", what);
        return -1;
    }
    for (i = 0; i < dacl->AceCount; i++) {
        ACE_HEADER *header;
        ACCESS_ALLOWED_ACE *ace;
        if (!GetAce(dacl, i, (LPVOID *) &header) || header->AceType != ACCESS_ALLOWED_ACE_TYPE
            || (header->AceFlags & INHERIT_ONLY_ACE) != 0) {
            continue;
        }
        ace = (ACCESS_ALLOWED_ACE *) header;
        if ((ace->Mask & WRITE_RIGHTS) != 0 && !trusted((PSID) &ace->SidStart, process_user)) {
            sid_text((PSID) &ace->SidStart, sid, 256);
            jwsp_format(reason, JWSP_REASON_LEN, L"%ls may be changed by %ls (access 0x%lx): refused; only "
                        L"SYSTEM, Administrators, TrustedInstaller (and this process's user) may write it", what, sid, ace->Mask);
            return -1;
        }
    }
    return 0;
}

/* The user of this process's token, LocalAlloc'ed (free with LocalFree), or NULL. */
static PSID process_user(void)
{
    HANDLE token;
    BYTE buffer[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
    DWORD n = 0;
    PSID copy = NULL;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) {
        return NULL;
    }
    if (GetTokenInformation(token, TokenUser, buffer, sizeof(buffer), &n)) {
        PSID sid = ((TOKEN_USER *) buffer)->User.Sid;
        DWORD len = GetLengthSid(sid);
        copy = LocalAlloc(LMEM_FIXED, len);
        if (copy != NULL && !CopySid(len, copy, sid)) {
            LocalFree(copy);
            copy = NULL;
        }
    }
    CloseHandle(token);
    return copy;
}

static int check_path(const wchar_t *path, PSID user, wchar_t *reason)
{
    PSECURITY_DESCRIPTOR sd = NULL;
    PSID owner = NULL;
    PACL dacl = NULL;
    DWORD rc = GetNamedSecurityInfoW(path, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                                     &owner, NULL, &dacl, NULL, &sd);
    int result;
    if (rc != ERROR_SUCCESS) {
        jwsp_format(reason, JWSP_REASON_LEN, L"cannot read who may change %ls: error %lu (does it exist?)", path, rc);
        return -1;
    }
    result = jwsp_acl_check_descriptor(sd, user, path, reason);
    LocalFree(sd);
    return result;
}

int jwsp_acl_check_path(const wchar_t *path, wchar_t *reason)
{
    PSID user = process_user();
    int rc = check_path(path, user, reason);
    LocalFree(user);
    return rc;
}

/* path, then its folder, and levels - 1 more folders above: "" ends the walk early. */
static int check_upwards(const wchar_t *path, int levels, PSID user, wchar_t *reason)
{
    wchar_t at[JWSP_PATH_LEN];
    wchar_t *slash;
    int i;

    jwsp_format(at, JWSP_PATH_LEN, L"%ls", path);
    for (i = 0; i <= levels; i++) {
        if (check_path(at, user, reason) != 0) {
            return -1;
        }
        slash = wcsrchr(at, L'\\');
        if (slash == NULL || slash - at <= 2) {      /* stop at the drive's root */
            break;
        }
        *slash = L'\0';
    }
    return 0;
}

int jwsp_acl_check_config(const jwsp_config *cfg, wchar_t *reason)
{
    PSID user = process_user();
    const wchar_t *p = cfg->class_path;
    int rc;

    /* jvm.dll, bin\server, bin and the JDK: the JVM loads more DLLs and lib\modules from there. */
    rc = check_upwards(cfg->jvm_dll, 3, user, reason);
    while (rc == 0 && *p != L'\0') {
        const wchar_t *end = wcschr(p, L';');
        size_t n = end == NULL ? wcslen(p) : (size_t) (end - p);
        if (n > 0 && n < JWSP_PATH_LEN) {
            wchar_t entry[JWSP_PATH_LEN];
            wmemcpy(entry, p, n);
            entry[n] = L'\0';
            rc = check_upwards(entry, 1, user, reason);
        }
        p = end == NULL ? p + n : end + 1;
    }
    LocalFree(user);
    return rc;
}

int jwsp_acl_check_owner(HANDLE file, const wchar_t *what, wchar_t *reason)
{
    PSECURITY_DESCRIPTOR sd = NULL;
    PSID owner = NULL;
    PSID user;
    wchar_t sid[256];
    int rc;

    if (GetSecurityInfo(file, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION, &owner, NULL, NULL, NULL, &sd)
        != ERROR_SUCCESS) {
        jwsp_format(reason, JWSP_REASON_LEN, L"cannot read the owner of %ls", what);
        return -1;
    }
    user = process_user();
    rc = trusted(owner, user) ? 0 : -1;
    if (rc != 0) {
        sid_text(owner, sid, 256);
        jwsp_format(reason, JWSP_REASON_LEN, L"%ls is owned by %ls, not by SYSTEM, Administrators or this process's "
                    L"user: not written",
                    what, sid);
    }
    LocalFree(user);
    LocalFree(sd);
    return rc;
}
