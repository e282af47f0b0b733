"""Small helpers shared by the Python child processes of the benchmark."""

import os
import re
import sys


def parse_args(argv):
    """key=value command-line arguments -> dict of strings."""
    out = {}
    for arg in argv:
        key, _, value = arg.partition("=")
        out[key] = value
    return out


def memory_kb():
    """(current RSS, peak RSS) of this process in kB, from /proc/self/status."""
    found = {}
    try:
        with open("/proc/self/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    found[key] = float(value.split()[0])
    except OSError:
        pass
    return found.get("VmRSS", float("nan")), found.get("VmHWM", float("nan"))


def blas_description():
    """Which BLAS numpy uses and with how many threads, as one line of text.

    threadpoolctl knows OpenBLAS, MKL and BLIS and their thread counts; other
    libraries (such as the reference BLAS) are named from the shared objects
    mapped into this process.
    """
    try:
        from threadpoolctl import threadpool_info
        for info in threadpool_info():
            if info.get("user_api") == "blas":
                return "%s %s, %s threads (%s)" % (
                    info.get("internal_api"), info.get("version") or "",
                    info.get("num_threads"), info.get("filepath"))
    except ImportError:
        pass
    libs = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                name = os.path.basename(path)
                if re.match(r"lib.*(blas|mkl_rt|blis)", name) and path not in libs:
                    libs.append(path)
    except OSError:
        pass
    if not libs:
        return "unknown"
    return "%s (not a threaded BLAS known to threadpoolctl: single-threaded)" % ", ".join(libs)


def emit(*fields):
    """One output record: space-separated fields on one line."""
    sys.stdout.write(" ".join(str(f) for f in fields) + "\n")
    sys.stdout.flush()
