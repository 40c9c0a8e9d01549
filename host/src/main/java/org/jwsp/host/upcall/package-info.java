/**
 * ws2_32 as a provider sees it: the {@code WSPUPCALLTABLE} ({@link org.jwsp.host.upcall.Ws2UpcallTable}),
 * the exports found by {@code procAddress("ws2_32.dll", name)} ({@link org.jwsp.host.upcall.Ws2Exports}),
 * Winsock socket handles ({@link org.jwsp.host.upcall.SocketHandle}), the one errno→WSAE table and
 * the mapping of a Java fault at an upcall boundary ({@link org.jwsp.host.upcall.WsaErrors},
 * {@link org.jwsp.host.upcall.UpcallFaults}), and how the host fills an {@code OVERLAPPED}
 * ({@link org.jwsp.host.upcall.OverlappedStatus}).
 */
package org.jwsp.host.upcall;
