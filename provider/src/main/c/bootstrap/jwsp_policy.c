/*
 * What jwsp.dll may do in a process: whether the administrator named this process (Processes),
 * whether every configured JVM option is on the allowlist (JvmOptions), and whether the process
 * environment asks the JVM to obey options of its own (JAVA_TOOL_OPTIONS, _JAVA_OPTIONS).
 *
 * Called once per process from the start-up in jwsp_startup.c, on the starting thread; reads only
 * the configuration it is given, the process's image path and, to refuse, its environment block.
 */
#include "jwsp.h"

#include <wchar.h>
#include <wctype.h>

static int same_text(const wchar_t *a, const wchar_t *b)
{
    return CompareStringOrdinal(a, -1, b, -1, TRUE) == CSTR_EQUAL;
}

int jwsp_policy_process_wanted(const jwsp_config *cfg, wchar_t *image, size_t image_len)
{
    DWORD n = GetModuleFileNameW(NULL, image, (DWORD) image_len);
    const wchar_t *slash;
    const wchar_t *base;
    int i;

    if (n == 0 || n >= image_len) {
        jwsp_format(image, image_len, L"(unknown image)");
        return 0;
    }
    slash = wcsrchr(image, L'\\');
    base = slash == NULL ? image : slash + 1;
    for (i = 0; i < cfg->process_count; i++) {
        const wchar_t *wanted = cfg->processes[i];
        if (same_text(wanted, L"all")
            || (wcschr(wanted, L'\\') != NULL ? same_text(wanted, image) : same_text(wanted, base))) {
            return 1;
        }
    }
    return 0;
}

/* Digits with an optional k/m/g unit, as -Xmx takes them. */
static int is_size(const wchar_t *s)
{
    const wchar_t *p = s;
    while (iswdigit(*p)) {
        p++;
    }
    if (p == s) {
        return 0;
    }
    if (*p != L'\0' && wcschr(L"kKmMgG", *p) != NULL) {
        p++;
    }
    return *p == L'\0';
}

static int is_number(const wchar_t *s)
{
    const wchar_t *p = s;
    while (iswdigit(*p) || (*p == L'.' && p != s)) {
        p++;
    }
    return p != s && *p == L'\0';
}

static int starts(const wchar_t *s, const wchar_t *prefix)
{
    return wcsncmp(s, prefix, wcslen(prefix)) == 0;
}

/* Options that take a size, a number, or nothing; -D properties by prefix; logging. */
static const wchar_t *const SIZED[] = {
    L"-Xmx", L"-Xms", L"-Xss", L"-Xmn", L"-XX:MaxDirectMemorySize=", L"-XX:MaxMetaspaceSize=",
    L"-XX:ReservedCodeCacheSize=",
};
static const wchar_t *const NUMBERED[] = {
    L"-XX:ActiveProcessorCount=", L"-XX:CICompilerCount=", L"-XX:MaxRAMPercentage=",
    L"-XX:InitialRAMPercentage=", L"-XX:TieredStopAtLevel=",
};
static const wchar_t *const EXACT[] = {
    L"-XX:+UseSerialGC", L"-XX:+UseG1GC", L"-XX:+UseParallelGC", L"-verbose:gc", L"-Xshare:auto",
    L"-Xshare:off",
};
static const wchar_t *const PROPERTIES[] = {L"-Djwsp.", L"-Dlog4j2.level="};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int allowed(const wchar_t *option)
{
    size_t i;
    for (i = 0; i < COUNT(SIZED); i++) {
        if (starts(option, SIZED[i])) {
            return is_size(option + wcslen(SIZED[i]));
        }
    }
    for (i = 0; i < COUNT(NUMBERED); i++) {
        if (starts(option, NUMBERED[i])) {
            return is_number(option + wcslen(NUMBERED[i]));
        }
    }
    for (i = 0; i < COUNT(EXACT); i++) {
        if (wcscmp(option, EXACT[i]) == 0) {
            return 1;
        }
    }
    for (i = 0; i < COUNT(PROPERTIES); i++) {
        if (starts(option, PROPERTIES[i]) && wcschr(option, L'=') != NULL) {
            return 1;
        }
    }
    /* Unified logging, e.g. -Xlog:gc:file=...; file= is the administrator's choice. */
    return starts(option, L"-Xlog:") || wcscmp(option, L"-Xlog") == 0;
}

/* Why a refused option is dangerous, where it is one of the known ways to load code. */
static const wchar_t *danger(const wchar_t *option)
{
    if (starts(option, L"-agentlib") || starts(option, L"-agentpath") || starts(option, L"-javaagent")
        || starts(option, L"-Xrun")) {
        return L"an agent runs code in every process jwsp serves";
    }
    if (starts(option, L"-Xbootclasspath") || starts(option, L"--patch-module") || starts(option, L"--upgrade-module-path")) {
        return L"it changes the classes the JVM itself trusts";
    }
    if (starts(option, L"-Djava.") || starts(option, L"-Djdk.") || starts(option, L"-Dsun.")) {
        return L"it changes how the JVM finds code or native libraries";
    }
    if (starts(option, L"-XX:")) {
        return L"-XX: flags beyond the listed sizes and collectors may load code (e.g. -XX:Flags, -XX:VMOptionsFile)";
    }
    return L"not on the allowlist";
}

int jwsp_policy_check_options(const jwsp_config *cfg, wchar_t *reason)
{
    int i;
    for (i = 0; i < cfg->option_count; i++) {
        if (!allowed(cfg->options[i])) {
            jwsp_format(reason, JWSP_REASON_LEN,
                        L"JvmOptions: '%.200ls' is refused (%ls); allowed: -Xmx -Xms -Xss -Xmn and "
                        L"-XX:MaxDirectMemorySize= MaxMetaspaceSize= ReservedCodeCacheSize= sizes, "
                        L"-XX:ActiveProcessorCount= CICompilerCount= Max/InitialRAMPercentage= "
                        L"TieredStopAtLevel=, -XX:+UseSerialGC/G1GC/ParallelGC, -Djwsp.*=, -Dlog4j2.level=, "
                        L"-Xlog:..., -verbose:gc, -Xshare:auto/off",
                        cfg->options[i], danger(cfg->options[i]));
            return -1;
        }
    }
    return 0;
}

/*
 * HotSpot's JNI_CreateJavaVM obeys JAVA_TOOL_OPTIONS and _JAVA_OPTIONS from the process
 * environment (-javaagent: among them), whatever options it is given. The environment is read
 * here only to refuse: when either is set, jwsp does not create a JVM in this process.
 * GetEnvironmentStringsW, so the block is scanned without looking any value up by name.
 */
int jwsp_policy_environment_sets_jvm_options(wchar_t *name, size_t name_len)
{
    static const wchar_t *const NAMES[] = {L"JAVA_TOOL_OPTIONS=", L"_JAVA_OPTIONS="};
    wchar_t *block = GetEnvironmentStringsW();
    const wchar_t *entry;
    size_t i;
    int found = 0;

    if (block == NULL) {
        return 0;
    }
    for (entry = block; *entry != L'\0' && !found; entry += wcslen(entry) + 1) {
        for (i = 0; i < COUNT(NAMES) && !found; i++) {
            if (_wcsnicmp(entry, NAMES[i], wcslen(NAMES[i])) == 0) {
                jwsp_format(name, name_len, L"%.*ls", (int) wcslen(NAMES[i]) - 1, NAMES[i]);
                found = 1;
            }
        }
    }
    FreeEnvironmentStringsW(block);
    return found;
}
