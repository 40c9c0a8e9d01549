/*
 * jni_md.h for Windows x64, used to build jwsp.dll with mingw-w64 on a Linux box.
 *
 * Why this file exists: the build machine has a Linux JDK, whose include/ holds only
 * linux/jni_md.h. Its types are LP64 (jint int, jlong long) and its JNIEXPORT is an ELF
 * visibility attribute; on Windows x64 (LLP64) `long` is 32 bits, so that header would give a
 * 32-bit jlong and a JNI table the real jvm.dll does not have. This is the equivalent of the
 * Windows JDK's include/win32/jni_md.h: same names, same sizes. JNICALL is not defined here:
 * older Windows headers say __stdcall, but JDK 25's jni.h defines JNICALL (empty) itself,
 * unconditionally (a definition here is a redefinition, an error under -Werror), and x64 ignores
 * __stdcall (there is one calling convention), so empty
 * is the same ABI. The include order is: -Iinclude/win32 -I$JAVA_HOME/include.
 */
#ifndef _JAVASOFT_JNI_MD_H_
#define _JAVASOFT_JNI_MD_H_

#ifndef JNIEXPORT
#define JNIEXPORT __declspec(dllexport)
#endif
#define JNIIMPORT __declspec(dllimport)

/* Windows `long` is 32 bits on x64, as the JNI specification requires of jint. */
typedef long jint;
typedef __int64 jlong;
typedef signed char jbyte;

#endif /* !_JAVASOFT_JNI_MD_H_ */
