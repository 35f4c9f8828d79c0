#pragma once
// GENAI_CPU_CLONES before a function with a hot loop compiles it for AVX-512, AVX2 and baseline x86-64; the
// loader picks the one the CPU runs. The build targets baseline x86-64 (Debian's and the wheel's LibTorch
// run anywhere), so without it these loops would not use the wide vector units. Nothing on other compilers
// or architectures.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define GENAI_CPU_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define GENAI_CPU_CLONES
#endif
