/*
 * The C baseline for the prober's full sweep (DESIGN.md section 8): non-blocking connect(2)s to
 * every port of one loopback address, at most THROTTLE in flight, watched with one poll(2), each
 * result read from connect(2)'s errno or SO_ERROR, every socket closed. No output per port: it
 * prints one line, the sweep's own wall time (CLOCK_MONOTONIC around the loop), the counts, and
 * the process's CPU time in the loop (getrusage: user and system ms; a busy machine stretches
 * wall time more than CPU time).
 * Built by bench/ProberSweep.Bench.ps1 with gcc -O2 at bench time.
 * usage: connect-sweep ADDRESS FIRST LAST THROTTLE
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long open_ports, refused, other;

static void count(int fd, int error)
{
    if (error == 0) open_ports++;
    else if (error == ECONNREFUSED) refused++;
    else other++;
    close(fd);
}

int main(int argc, char **argv)
{
    if (argc != 5) { fprintf(stderr, "usage: %s ADDRESS FIRST LAST THROTTLE\n", argv[0]); return 2; }
    struct sockaddr_in to = { .sin_family = AF_INET };
    if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) { fprintf(stderr, "bad address\n"); return 2; }
    int first = atoi(argv[2]), last = atoi(argv[3]), throttle = atoi(argv[4]);
    if (first < 1 || last > 65535 || first > last || throttle < 1) { fprintf(stderr, "bad range\n"); return 2; }
    struct pollfd *fds = calloc((size_t)throttle, sizeof *fds);
    int active = 0;
    struct timespec t0, t1;
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int port = first; port <= last || active > 0;)
    {
        while (port <= last && active < throttle)
        {
            int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0) { perror("socket"); return 1; }
            to.sin_port = htons((unsigned short)port++);
            if (connect(fd, (struct sockaddr *)&to, sizeof to) == 0) count(fd, 0);
            else if (errno == EINPROGRESS) fds[active++] = (struct pollfd){ .fd = fd, .events = POLLOUT };
            else count(fd, errno);
        }
        if (active == 0) continue;
        int ready = poll(fds, (nfds_t)active, 2000);
        if (ready < 0 && errno != EINTR) { perror("poll"); return 1; }
        if (ready == 0)
        {
            /* 2 s with no answer (the prober's default bound): every one in flight timed out. */
            while (active > 0) { close(fds[--active].fd); other++; }
            continue;
        }
        for (int i = 0; i < active;)
        {
            if (fds[i].revents)
            {
                int error = 0;
                socklen_t size = sizeof error;
                getsockopt(fds[i].fd, SOL_SOCKET, SO_ERROR, &error, &size);
                count(fds[i].fd, error);
                fds[i] = fds[--active];
            }
            else i++;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    getrusage(RUSAGE_SELF, &r1);
    double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
    double user = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) * 1e3 + (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) / 1e3;
    double sys = (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) * 1e3 + (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e3;
    printf("%.1f ms open %ld refused %ld other %ld user %.0f sys %.0f\n", ms, open_ports, refused, other, user, sys);
    free(fds);
    return 0;
}
