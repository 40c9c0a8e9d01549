/*
 * Windows' ws2_32/kernel32 for C programs running over the jwsp Linux host: the Windows x64 types
 * (LLP64: DWORD 32 bits, SOCKET and HANDLE 64), the constants the programs use, and the functions as
 * the host exports them (NativeWs2 and the kernel's exports). The loader is dlsym-free: the test
 * builds a JWSP_WIN table from procAddress(module, name) in the order below and passes it in;
 * jwsp_win_load() makes the Windows names below call through it. Write the program as on Windows.
 *
 * Adding a function: add its pointer at the END of JWSP_WIN, its #define, and its name at the same
 * place in the test's list (NativeWindowsProgramsTest.EXPORTS).
 */
#ifndef JWSP_WIN_H
#define JWSP_WIN_H

#include <stdint.h>

typedef uint64_t SOCKET;
typedef uint32_t DWORD;
typedef int BOOL;
typedef void *HANDLE;
typedef HANDLE WSAEVENT;
typedef uint64_t ULONG_PTR;
typedef unsigned short WORD;
typedef struct { DWORD len; char *buf; } WSABUF;
typedef struct { uint64_t Internal; uint64_t InternalHigh; DWORD Offset; DWORD OffsetHigh; HANDLE hEvent; } OVERLAPPED;
typedef OVERLAPPED WSAOVERLAPPED;
typedef void (*LPWSAOVERLAPPED_COMPLETION_ROUTINE)(DWORD, DWORD, WSAOVERLAPPED *, DWORD);
typedef struct { ULONG_PTR lpCompletionKey; OVERLAPPED *lpOverlapped; ULONG_PTR Internal; DWORD dwNumberOfBytesTransferred; } OVERLAPPED_ENTRY;
typedef DWORD (*LPTHREAD_START_ROUTINE)(void *);
typedef struct { WORD wVersion; WORD wHighVersion; char rest[400]; } WSADATA;
struct sockaddr_in_win { short sin_family; unsigned short sin_port; uint32_t sin_addr; char zero[8]; };

#define INVALID_SOCKET ((SOCKET) ~0ULL)
#define INVALID_HANDLE_VALUE ((HANDLE) (intptr_t) -1)
#define SOCKET_ERROR (-1)
#define TRUE 1
#define FALSE 0
#define INFINITE 0xFFFFFFFFu
#define AF_INET_WIN 2
#define SOCK_STREAM_WIN 1
#define IPPROTO_TCP_WIN 6
#define SOL_SOCKET_WIN 0xFFFF
#define SO_KEEPALIVE_WIN 0x0008
#define WSA_FLAG_OVERLAPPED 0x01
#define WSA_IO_PENDING 997
#define WSA_INVALID_HANDLE 6
#define WSA_INVALID_PARAMETER 87
#define WSAENOTSOCK 10038
#define WSAEINVAL 10022
#define WSA_WAIT_EVENT_0 0
#define WSA_WAIT_FAILED 0xFFFFFFFFu
#define WSA_WAIT_IO_COMPLETION 0xC0
#define WAIT_TIMEOUT 258
#define FILE_SKIP_COMPLETION_PORT_ON_SUCCESS 0x1
#define FIONBIO_WIN ((int) 0x8004667E)
#define WSAEWOULDBLOCK 10035
#define WAIT_OBJECT_0 0
#define WAIT_FAILED 0xFFFFFFFFu
#define CREATE_SUSPENDED 0x4
#define ERROR_INVALID_HANDLE 6
#define ERROR_NOT_SUPPORTED 50
#define ERROR_INVALID_PARAMETER 87
#define ERROR_OPERATION_ABORTED 995
#define ERROR_NOT_FOUND 1168

typedef struct {
    int (*WSAStartup)(WORD, WSADATA *);
    int (*WSACleanup)(void);
    SOCKET (*WSASocketW)(int, int, int, void *, unsigned, DWORD);
    SOCKET (*socket)(int, int, int);
    int (*bind)(SOCKET, const void *, int);
    int (*listen)(SOCKET, int);
    SOCKET (*accept)(SOCKET, void *, int *);
    int (*connect)(SOCKET, const void *, int);
    int (*WSASend)(SOCKET, WSABUF *, DWORD, DWORD *, DWORD, WSAOVERLAPPED *, LPWSAOVERLAPPED_COMPLETION_ROUTINE);
    int (*WSARecv)(SOCKET, WSABUF *, DWORD, DWORD *, DWORD *, WSAOVERLAPPED *, LPWSAOVERLAPPED_COMPLETION_ROUTINE);
    int (*setsockopt)(SOCKET, int, int, const char *, int);
    int (*getsockopt)(SOCKET, int, int, char *, int *);
    int (*getsockname)(SOCKET, void *, int *);
    int (*shutdown)(SOCKET, int);
    int (*closesocket)(SOCKET);
    int (*WSAGetLastError)(void);
    void (*WSASetLastError)(int);
    BOOL (*WSAGetOverlappedResult)(SOCKET, WSAOVERLAPPED *, DWORD *, BOOL, DWORD *);
    WSAEVENT (*WSACreateEvent)(void);
    BOOL (*WSASetEvent)(WSAEVENT);
    BOOL (*WSAResetEvent)(WSAEVENT);
    BOOL (*WSACloseEvent)(WSAEVENT);
    DWORD (*WSAWaitForMultipleEvents)(DWORD, const WSAEVENT *, BOOL, DWORD, BOOL);
    HANDLE (*CreateIoCompletionPort)(HANDLE, HANDLE, ULONG_PTR, DWORD);
    BOOL (*GetQueuedCompletionStatus)(HANDLE, DWORD *, ULONG_PTR *, OVERLAPPED **, DWORD);
    BOOL (*PostQueuedCompletionStatus)(HANDLE, DWORD, ULONG_PTR, OVERLAPPED *);
    BOOL (*CloseHandle)(HANDLE);
    BOOL (*SetFileCompletionNotificationModes)(HANDLE, unsigned char);
    DWORD (*SleepEx)(DWORD, BOOL);
    DWORD (*GetCurrentThreadId)(void);
    int (*WSASendTo)(SOCKET, WSABUF *, DWORD, DWORD *, DWORD, const void *, int, WSAOVERLAPPED *, LPWSAOVERLAPPED_COMPLETION_ROUTINE);
    int (*WSARecvFrom)(SOCKET, WSABUF *, DWORD, DWORD *, DWORD *, void *, int *, WSAOVERLAPPED *, LPWSAOVERLAPPED_COMPLETION_ROUTINE);
    int (*WSAIoctl)(SOCKET, DWORD, void *, DWORD, void *, DWORD, DWORD *, WSAOVERLAPPED *, LPWSAOVERLAPPED_COMPLETION_ROUTINE);
    int (*ioctlsocket)(SOCKET, int, uint32_t *);
    int (*getpeername)(SOCKET, void *, int *);
    BOOL (*GetQueuedCompletionStatusEx)(HANDLE, OVERLAPPED_ENTRY *, uint32_t, uint32_t *, DWORD, BOOL);
    DWORD (*WaitForSingleObject)(HANDLE, DWORD);
    HANDLE (*CreateThread)(void *, uint64_t, LPTHREAD_START_ROUTINE, void *, DWORD, DWORD *);
    BOOL (*CancelIoEx)(HANDLE, OVERLAPPED *);
} JWSP_WIN;

extern const JWSP_WIN *jwsp_win;
static inline void jwsp_win_load(const JWSP_WIN *table) { jwsp_win = table; }

#define WSAStartup (jwsp_win->WSAStartup)
#define WSACleanup (jwsp_win->WSACleanup)
#define WSASocketW (jwsp_win->WSASocketW)
#define socket (jwsp_win->socket)
#define bind (jwsp_win->bind)
#define listen (jwsp_win->listen)
#define accept (jwsp_win->accept)
#define connect (jwsp_win->connect)
#define WSASend (jwsp_win->WSASend)
#define WSARecv (jwsp_win->WSARecv)
#define setsockopt (jwsp_win->setsockopt)
#define getsockopt (jwsp_win->getsockopt)
#define getsockname (jwsp_win->getsockname)
#define shutdown (jwsp_win->shutdown)
#define closesocket (jwsp_win->closesocket)
#define WSAGetLastError (jwsp_win->WSAGetLastError)
#define WSASetLastError (jwsp_win->WSASetLastError)
#define WSAGetOverlappedResult (jwsp_win->WSAGetOverlappedResult)
#define WSACreateEvent (jwsp_win->WSACreateEvent)
#define WSASetEvent (jwsp_win->WSASetEvent)
#define WSAResetEvent (jwsp_win->WSAResetEvent)
#define WSACloseEvent (jwsp_win->WSACloseEvent)
#define WSAWaitForMultipleEvents (jwsp_win->WSAWaitForMultipleEvents)
#define CreateIoCompletionPort (jwsp_win->CreateIoCompletionPort)
#define GetQueuedCompletionStatus (jwsp_win->GetQueuedCompletionStatus)
#define PostQueuedCompletionStatus (jwsp_win->PostQueuedCompletionStatus)
#define CloseHandle (jwsp_win->CloseHandle)
#define SetFileCompletionNotificationModes (jwsp_win->SetFileCompletionNotificationModes)
#define SleepEx (jwsp_win->SleepEx)
#define GetCurrentThreadId (jwsp_win->GetCurrentThreadId)
#define WSASendTo (jwsp_win->WSASendTo)
#define WSARecvFrom (jwsp_win->WSARecvFrom)
#define WSAIoctl (jwsp_win->WSAIoctl)
#define ioctlsocket (jwsp_win->ioctlsocket)
#define getpeername (jwsp_win->getpeername)
#define GetQueuedCompletionStatusEx (jwsp_win->GetQueuedCompletionStatusEx)
#define WaitForSingleObject (jwsp_win->WaitForSingleObject)
#define CreateThread (jwsp_win->CreateThread)
#define CancelIoEx (jwsp_win->CancelIoEx)

#endif
