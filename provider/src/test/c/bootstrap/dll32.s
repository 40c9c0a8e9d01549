# A 32-bit (i386, PE32) DLL with nothing in it but an entry point that returns TRUE.
# BootstrapDllWineTest uses it as a wrong jvm.dll, and loads it from the 64-bit wspcaller.exe,
# to show the Windows loader refusing a DLL of the other bitness with ERROR_BAD_EXE_FORMAT (193)
# before any of its code runs: the same check that refuses the 64-bit jwsp.dll in a 32-bit process.
# Built by build-test.sh with the binutils on the box (no i686 C compiler needed).
    .text
    .globl _DllMainCRTStartup@12
_DllMainCRTStartup@12:
    movl $1, %eax
    ret $12
