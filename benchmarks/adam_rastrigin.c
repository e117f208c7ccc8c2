/* The C reference of benchmarks/core_throughput.py: Adam (torch's defaults, lr 0.05) on
 * Rastrigin, one particle after another, 2 coordinates each, single-threaded. Built twice by the
 * benchmark: strict IEEE (-O2) and -O3 -ffast-math (which lets the compiler vectorize the loop
 * over particles with glibc's vector sin). Prints M particle-steps/s and a checksum.
 *
 *     cc -O2 -march=native adam_rastrigin.c -lm && ./a.out [particles] [steps]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* CPU time of this process: on a shared machine, wall time counts other programs' turns too. */
static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 100000, steps = argc > 2 ? atol(argv[2]) : 200;
    long m = 2 * n;  /* coordinates: Rastrigin's gradient is separable */
    double *p = malloc(m * sizeof *p), *mo = calloc(m, sizeof *mo), *v = calloc(m, sizeof *v);
    unsigned long s = 12345;
    for (long i = 0; i < m; i++) {  /* uniform in [-5.12, 5.12) */
        s = s * 6364136223846793005UL + 1442695040888963407UL;
        p[i] = -5.12 + 10.24 * (double)(s >> 11) / 9007199254740992.0;
    }
    const double lr = 0.05, b1 = 0.9, b2 = 0.999, eps = 1e-8, two_pi = 2.0 * M_PI;
    double best = 1e30;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now();
        for (long t = 1; t <= steps; t++) {
            const double bc1 = 1.0 - pow(b1, t), bc2s = sqrt(1.0 - pow(b2, t));
            const double step_size = lr / bc1;
            for (long i = 0; i < m; i++) {
                double g = 2.0 * p[i] + 20.0 * M_PI * sin(two_pi * p[i]);
                mo[i] = b1 * mo[i] + (1.0 - b1) * g;
                v[i] = b2 * v[i] + (1.0 - b2) * g * g;
                p[i] -= step_size * mo[i] / (sqrt(v[i]) / bc2s + eps);
            }
        }
        double dt = now() - t0;
        if (dt < best) best = dt;
    }
    double sum = 0;
    for (long i = 0; i < m; i++) sum += p[i];
    printf("%.3f %.17g\n", n * steps / best / 1e6, sum);
    return 0;
}
