/*
 * The Windows x64 (LLP64) SPI structures the native test drivers use: SOCKET, WSABUF, OVERLAPPED,
 * WSATHREADID, the 30-entry WSPPROC_TABLE (only lpWSPSend and lpWSPIoctl typed) and the WSPUPCALLTABLE (only the
 * thread entries typed). Laid out as ws2spi.h lays them out; the Java side checks each driver's
 * job size against its own layout. Included by the drivers in ../routines and ../stress.
 */
#ifndef JWSP_TEST_WSP_X64_H
#define JWSP_TEST_WSP_X64_H

#include <stdint.h>

typedef uint64_t SOCKET;
typedef uint32_t DWORD;
typedef struct { DWORD len; char *buf; } WSABUF;
typedef struct { uint64_t Internal; uint64_t InternalHigh; DWORD Offset; DWORD OffsetHigh; void *hEvent; } OVERLAPPED;
typedef struct { void *ThreadHandle; uint64_t Reserved; } WSATHREADID;
typedef void (*COMPLETION)(DWORD, DWORD, OVERLAPPED *, DWORD);

typedef struct {
    void *Accept, *AddressToString, *AsyncSelect, *Bind, *CancelBlockingCall, *Cleanup, *CloseSocket, *Connect,
         *DuplicateSocket, *EnumNetworkEvents, *EventSelect, *GetOverlappedResult, *GetPeerName, *GetSockName,
         *GetSockOpt, *GetQOSByName;
    int (*Ioctl)(SOCKET, DWORD, void *, DWORD, void *, DWORD, DWORD *, OVERLAPPED *, COMPLETION, WSATHREADID *, int *);
    void *JoinLeaf, *Listen, *Recv, *RecvDisconnect, *RecvFrom, *Select;
    int (*Send)(SOCKET, WSABUF *, DWORD, DWORD *, DWORD, OVERLAPPED *, COMPLETION, WSATHREADID *, int *);
    void *SendDisconnect, *SendTo, *SetSockOpt, *Shutdown, *Socket, *StringToAddress;
} PROCS;

typedef struct {
    void *CloseEvent, *CloseSocketHandle, *CreateEvent, *CreateSocketHandle, *FDIsSet, *GetProviderPath,
         *ModifyIFSHandle, *PostMessage, *QueryBlockingCallback, *QuerySocketHandleContext, *QueueApc,
         *ResetEvent, *SetEvent;
    int (*OpenCurrentThread)(WSATHREADID *, int *);
    int (*CloseThread)(WSATHREADID *, int *);
} UPCALLS;

#endif
