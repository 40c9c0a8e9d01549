/* Three glibc functions that <sys/socket.h> and <unistd.h> declare only under _GNU_SOURCE.
 * With _GNU_SOURCE glibc also turns every 'struct sockaddr *' parameter into a transparent
 * union (__SOCKADDR_ARG), which jextract would bind as a by-value union; so we keep the
 * standard declarations and repeat just these three prototypes, as glibc itself writes them. */
#include <sys/types.h>
#include <sys/socket.h>

extern int accept4 (int __fd, struct sockaddr *__addr, socklen_t *__addr_len, int __flags);
extern pid_t gettid (void);
extern int dup3 (int __fd, int __fd2, int __flags);
