// gmmcore/gmmcore.h: the whole engine, for the one file that includes it.
#ifndef GMMCORE_GMMCORE_H
#define GMMCORE_GMMCORE_H
#include "types.h"
#include "blocks.h"
#include "simd.h"
#include "kernels.h"
#include "dispatch.h"
#include "pass.h"
#include "incomplete.h"
#include "estep.h"
#include "mstep.h"
#include "em.h"
#include "suffstats.h"
#include "kmeans.h"
#include "hc.h"
#endif
