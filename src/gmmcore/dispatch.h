// gmmcore/dispatch.h
//
// Contract: one compiled copy of the block kernel per instruction set, and
// the choice among them at run time. The package is compiled with R's own
// flags (baseline x86-64: SSE2, two doubles per vector, no FMA); on x86-64
// with GCC or Clang the kernel is compiled again for AVX2+FMA (four doubles)
// and AVX-512 (eight), through function attributes, and the widest one the
// processor and the operating system support is used. Only these entry
// points carry the attributes; everything they call on the hot path is
// forced inline into them, so no other code is built for a wider instruction
// set than the baseline. Elsewhere (other architectures, Windows, whose
// toolchain does not align wide vectors on the stack) only the baseline copy
// exists.
#ifndef GMMCORE_DISPATCH_H
#define GMMCORE_DISPATCH_H

#include "kernels.h"

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && \
    !defined(_WIN32) && !defined(GMMCORE_NO_DISPATCH)
#define GMMCORE_X86_DISPATCH 1
#endif

namespace gmmcore {

inline const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    case Isa::Baseline: return "baseline";
    default: return "auto";
  }
}

inline Isa detect_widest_isa() {
#ifdef GMMCORE_X86_DISPATCH
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
      __builtin_cpu_supports("fma"))
    return Isa::Avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return Isa::Avx2;
#endif
  return Isa::Baseline;
}

// Asked once per process: every pass chooses its kernel.
inline Isa widest_isa() {
  static const Isa widest = detect_widest_isa();
  return widest;
}

// The requested instruction set, or the widest available if narrower.
inline Isa resolve_isa(Isa requested) {
  const Isa best = widest_isa();
  if (requested == Isa::Auto) return best;
  return static_cast<int>(requested) < static_cast<int>(best) ? requested : best;
}

namespace kern {

inline void block_baseline(const BlockJob& job, Scratch& sc) {
  process_block<2>(job, sc);
}

#ifdef GMMCORE_X86_DISPATCH
__attribute__((target("avx2,fma"))) inline void block_avx2(const BlockJob& job,
                                                          Scratch& sc) {
  process_block<4>(job, sc);
}

__attribute__((target("avx512f,avx2,fma"))) inline void block_avx512(
    const BlockJob& job, Scratch& sc) {
  process_block<8>(job, sc);
}
#endif

typedef void (*BlockFn)(const BlockJob&, Scratch&);

inline BlockFn block_fn(Isa isa) {
#ifdef GMMCORE_X86_DISPATCH
  switch (resolve_isa(isa)) {
    case Isa::Avx512: return block_avx512;
    case Isa::Avx2: return block_avx2;
    default: break;
  }
#else
  (void)isa;
#endif
  return block_baseline;
}

}  // namespace kern
}  // namespace gmmcore

#endif
